package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Under CI a missing PostgreSQL, browser or data set fails the test; outside
// CI it skips. The cases run in a child process so that their failures are
// observed rather than reported.
func TestMissingFailsUnderCI(t *testing.T) {
	if name := os.Getenv("TESTENV_CHILD"); name != "" {
		switch name {
		case "postgres":
			Postgres(t)
		case "browser":
			Browser(t)
		case "data":
			DataDir(t)
		}
		return
	}
	for _, name := range []string{"postgres", "browser", "data"} {
		for _, ci := range []bool{false, true} {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestMissingFailsUnderCI$", "-test.v")
			env := []string{"TESTENV_CHILD=" + name, "PARLEY_TEST_POSTGRES=", "PARLEY_TEST_BROWSER=", "PARLEY_DATA_DIR=" + t.TempDir()}
			if ci {
				env = append(env, "CI=1")
			} else {
				env = append(env, "CI=")
			}
			cmd.Env = append(os.Environ(), env...)
			out, err := cmd.CombinedOutput()
			switch {
			case ci && (err == nil || !strings.Contains(string(out), "required in CI")):
				t.Errorf("%s under CI: err %v, want a failure naming CI:\n%s", name, err, out)
			case !ci && (err != nil || !strings.Contains(string(out), "--- SKIP")):
				t.Errorf("%s outside CI: err %v, want a skip:\n%s", name, err, out)
			}
		}
	}
}
