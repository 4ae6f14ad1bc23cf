package classify

// Recipe variants of the main head, evaluated like the shipped model
// (parley model eval: every development and test row). Not run in CI:
//
//	PARLEY_EXPERIMENT=recipe PARLEY_RECIPE_VARIANT=bag3 GOMAXPROCS=2 nice go test ./classify/ -run TestRecipeExperiment -v -timeout 90m
//
// Choose on the rows marked (dev); the test rows are printed for the
// record only.

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestRecipeExperiment(t *testing.T) {
	if os.Getenv("PARLEY_EXPERIMENT") != "recipe" {
		t.Skip("set PARLEY_EXPERIMENT=recipe")
	}
	variants := map[string]func(r *recipe){
		"base": func(r *recipe) {},
		"bag3": func(r *recipe) { r.BagMain = 3 },
		"bag5": func(r *recipe) { r.BagMain = 5 },
	}
	name := os.Getenv("PARLEY_RECIPE_VARIANT")
	v, ok := variants[name]
	if !ok {
		t.Fatalf("unknown variant %q", name)
	}
	saved := shippedRecipe
	defer func() { shippedRecipe = saved }()
	v(&shippedRecipe)
	dir := dataDir(t)
	ctx := context.Background()
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := evaluate(ctx, m, dir, evalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("variant %s, flag threshold %.2f\n", name, m.FlagThreshold())
	for _, x := range ms {
		fmt.Printf("%-70s %-24s %.4f\n", x.Dataset, x.Metric, x.Value)
	}
}
