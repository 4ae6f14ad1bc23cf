package comment

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an Error; the HTTP layer maps each code to one status.
type Code string

// The error codes.
const (
	CodeInvalid      Code = "invalid"      // the input is wrong; Fields says where
	CodeNotFound     Code = "not_found"    // the thing asked for does not exist
	CodeConflict     Code = "conflict"     // the state changed under the caller
	CodeUnauthorized Code = "unauthorized" // no valid credentials
	CodeForbidden    Code = "forbidden"    // credentials valid but not allowed
	CodeTooMany      Code = "too_many"     // rate limited
	CodeUnavailable  Code = "unavailable"  // the database cannot be reached
	CodeInternal     Code = "internal"     // a bug or an unexpected failure
)

// FieldError names one bad input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type that crosses package boundaries with a code.
// Message is safe to show to the client; Err, when set, is only logged.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, on a CodeTooMany error, is how long the caller should wait.
	RetryAfter time.Duration
}

// TooMany is the error of a rate limit: what was refused, and when to try
// again (rounded up to whole seconds).
func TooMany(what string, wait time.Duration) *Error {
	secs := int(wait.Seconds()) + 1
	return &Error{Code: CodeTooMany, Message: fmt.Sprintf("Too many %s; try again in %d seconds.", what, secs), RetryAfter: time.Duration(secs) * time.Second}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a CodeInvalid error naming the bad fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: "The request has invalid fields.", Fields: fields}
}

// ErrorCode returns the code of err, CodeInternal for errors without one, and
// "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
