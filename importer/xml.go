package importer

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xmlStream is the token loop the WXR and Disqus readers share: it refuses
// entity declarations, names the line of every error, tells a truncated file
// from a wrong one, and tracks the open elements.
type xmlStream struct {
	dec   *xml.Decoder
	stack []string // local names of the open elements
	root  string   // the root element the format wants
	what  string   // the format's name, for messages
	seen  bool     // the root element was seen
}

func newXMLStream(r io.Reader, root, what string) *xmlStream {
	dec := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	dec.Strict = true
	// No entity map: the five predefined entities and character references
	// are all that is expanded; anything else (&xxe;) is an error.
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: convert the file to UTF-8", label)
	}
	return &xmlStream{dec: dec, root: root, what: what}
}

// line is the current line of the input.
func (x *xmlStream) line() int {
	l, _ := x.dec.InputPos()
	return l
}

// token returns the next token, pushing start elements and popping end
// elements; io.EOF only after a complete document.
func (x *xmlStream) token() (xml.Token, error) {
	tok, err := x.dec.Token()
	if err == io.EOF {
		switch {
		case !x.seen:
			return nil, fmt.Errorf("%w: the file has no <%s> element: not a %s file", ErrWrongFormat, x.root, x.what)
		case len(x.stack) > 0:
			return nil, fmt.Errorf("line %d: the file ends inside <%s>: it is truncated", x.line(), x.stack[len(x.stack)-1])
		}
		return nil, io.EOF
	}
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			if strings.Contains(se.Msg, "unexpected EOF") {
				return nil, fmt.Errorf("line %d: the file ends inside an element: it is truncated", se.Line)
			}
			if !x.seen && len(x.stack) == 0 {
				return nil, fmt.Errorf("%w: line %d: %s: not a %s file", ErrWrongFormat, se.Line, se.Msg, x.what)
			}
			return nil, fmt.Errorf("line %d: malformed XML: %s", se.Line, se.Msg)
		}
		return nil, fmt.Errorf("line %d: %w", x.line(), err)
	}
	switch t := tok.(type) {
	case xml.Directive:
		if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
			return nil, fmt.Errorf("line %d: the file declares XML entities, which are refused (no external entity is fetched, no entity is expanded)", x.line())
		}
	case xml.StartElement:
		if !x.seen {
			if t.Name.Local != x.root {
				return nil, fmt.Errorf("%w: line %d: the root element is <%s>, not <%s>: not a %s file", ErrWrongFormat, x.line(), t.Name.Local, x.root, x.what)
			}
			x.seen = true
		}
		x.stack = append(x.stack, t.Name.Local)
	case xml.EndElement:
		if len(x.stack) > 0 {
			x.stack = x.stack[:len(x.stack)-1]
		}
	}
	return tok, nil
}

// decode reads the element just started (already pushed) into v, popping it.
func (x *xmlStream) decode(v any, start xml.StartElement) error {
	x.stack = x.stack[:len(x.stack)-1]
	if err := x.dec.DecodeElement(v, &start); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			if strings.Contains(se.Msg, "unexpected EOF") {
				return fmt.Errorf("line %d: the file ends inside <%s>: it is truncated", se.Line, start.Name.Local)
			}
			return fmt.Errorf("line %d: malformed XML in <%s>: %s", se.Line, start.Name.Local, se.Msg)
		}
		return fmt.Errorf("line %d: in <%s>: %w", x.line(), start.Name.Local, err)
	}
	return nil
}

// skip skips the element just started (already pushed).
func (x *xmlStream) skip() error {
	x.stack = x.stack[:len(x.stack)-1]
	if err := x.dec.Skip(); err != nil {
		if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "unexpected EOF") {
			return fmt.Errorf("line %d: the file ends inside an element: it is truncated", x.line())
		}
		return fmt.Errorf("line %d: malformed XML: %v", x.line(), err)
	}
	return nil
}

// parent is the local name of the element enclosing the current one.
func (x *xmlStream) parent() string {
	if len(x.stack) < 2 {
		return ""
	}
	return x.stack[len(x.stack)-2]
}
