package dashboard

import (
	"errors"
	"net/http"

	"github.com/parleyhq/parley/comment"
)

// MaxFormBytes bounds the body of every state-changing dashboard request.
const MaxFormBytes = 1 << 20

// errFormTooLarge answers 413: a status no domain code maps to.
var errFormTooLarge = &tooLargeError{}

type tooLargeError struct{}

func (*tooLargeError) Error() string { return "The form is larger than 1 MiB." }

// limitForm parses the form of an unsafe request through a size limit, so
// that neither the CSRF check nor the handler reads an unbounded body.
func limitForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errFormTooLarge
		}
		return comment.Invalid(comment.FieldError{Field: "form", Message: "could not be read"})
	}
	return nil
}
