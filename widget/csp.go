package widget

import (
	"crypto/sha256"
	"encoding/base64"
)

// StyleSource is the CSP source ('sha256-…') that allows the widget's one
// <style> element, which it adds to its shadow root: a page embedding the
// widget under a Content-Security-Policy lists it in style-src instead of
// allowing every inline style.
func StyleSource() string {
	sum := sha256.Sum256([]byte(embedCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
