package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// lineReader reads JSON lines with a bound on each line: a longer line is
// reported as one bad record and skipped without being held in memory.
type lineReader struct {
	br   *bufio.Reader
	line int
	max  int
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// errLineTooLong is returned (wrapped with the line) for a line over max.
var errLineTooLong = errors.New("line too long")

// next returns the next non-blank line and its number.
func (l *lineReader) next() ([]byte, int, error) {
	for {
		var buf []byte
		l.line++
		tooLong := false
		for {
			chunk, err := l.br.ReadSlice('\n')
			if !tooLong {
				if len(buf)+len(chunk) > l.max {
					tooLong, buf = true, nil
				} else {
					buf = append(buf, chunk...)
				}
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				if tooLong {
					return nil, l.line, fmt.Errorf("%w: over %d bytes", errLineTooLong, l.max)
				}
				if len(bytes.TrimSpace(buf)) == 0 {
					return nil, l.line, io.EOF
				}
				// A last line without its newline: a truncated file ends
				// in the middle of a record, which JSON decoding names.
				return buf, l.line, nil
			}
			if err != nil {
				return nil, l.line, err
			}
			break
		}
		if tooLong {
			return nil, l.line, fmt.Errorf("%w: over %d bytes", errLineTooLong, l.max)
		}
		if len(bytes.TrimSpace(buf)) > 0 {
			return buf, l.line, nil
		}
	}
}

// decodeLine decodes one JSON line strictly into v.
func decodeLine(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("the record is cut short: the file is truncated")
		}
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}
