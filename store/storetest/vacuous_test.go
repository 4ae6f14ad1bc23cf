package storetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// A suite whose every subtest skips must not pass: it skips, and under CI
// it fails.
func TestRunNotVacuous(t *testing.T) {
	if os.Getenv("STORETEST_CHILD") == "1" {
		Run(t, func(t *testing.T) comment.Store {
			t.Skip("no database here")
			return nil
		})
		return
	}
	for _, ci := range []string{"", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestRunNotVacuous$", "-test.v")
		cmd.Env = append(os.Environ(), "STORETEST_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		if ci == "1" && (err == nil || !strings.Contains(string(out), "none of the")) {
			t.Errorf("under CI: err %v, want a failure:\n%s", err, out)
		}
		if ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP: TestRunNotVacuous ")) {
			t.Errorf("outside CI: err %v, want the parent to skip:\n%s", err, out)
		}
	}
}
