package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
)

func findPart(contentType string, body []byte, want string) string {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err != nil {
			return ""
		}
		ct := p.Header.Get("Content-Type")
		raw, _ := io.ReadAll(p)
		if strings.HasPrefix(ct, "multipart/") {
			if s := findPart(ct, raw, want); s != "" {
				return s
			}
			continue
		}
		if strings.HasPrefix(ct, want) {
			return decode(p.Header.Get("Content-Transfer-Encoding"), raw)
		}
	}
}

func decode(enc string, raw []byte) string {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		b, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		return string(b)
	case "base64":
		b, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		return string(b)
	}
	return string(raw)
}

// Subject decodes the Subject header (RFC 2047).
func (m Message) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}
