package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleyhq/parley/outbox"
)

// Message is one rendered email.
type Message struct {
	From, To  string
	Subject   string
	Text      string // the plain-text part
	HTML      string // the HTML alternative
	MessageID string // "<...@parley>", the same on every attempt
	// Unsubscribe is the signed one-click unsubscribe URL, sent as
	// List-Unsubscribe with List-Unsubscribe-Post (RFC 8058).
	Unsubscribe string
}

// Transport delivers a rendered message.
type Transport interface {
	Deliver(ctx context.Context, m Message) error
}

// TLS modes of an SMTP URL.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
	TLSNone     = "none"
)

// SMTPConfig is a parsed --smtp-url.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
}

// ParseSMTPURL reads smtp://[user:pass@]host:port?tls=starttls|implicit|none.
// Without credentials, mail is sent without authentication.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	var c SMTPConfig
	u, err := url.Parse(raw)
	if err != nil {
		return c, fmt.Errorf("smtp URL: %v", err)
	}
	if u.Scheme != "smtp" {
		return c, errors.New("smtp URL: must start with smtp://")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return c, errors.New("smtp URL: want smtp://[user:pass@]host:port")
	}
	c.Host = host
	if c.Port, err = strconv.Atoi(port); err != nil || c.Port <= 0 || c.Port > 65535 {
		return c, fmt.Errorf("smtp URL: bad port %q", port)
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return c, fmt.Errorf("smtp URL: unknown parameter %q (only tls)", k)
		}
	}
	switch c.TLS = q.Get("tls"); c.TLS {
	case "":
		c.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return c, fmt.Errorf("smtp URL: tls=%q: want starttls, implicit or none", c.TLS)
	}
	return c, nil
}

// SMTP delivers through an SMTP server, one connection per message.
type SMTP struct {
	Config SMTPConfig
	// Timeout bounds dialling and each command; default 30 s.
	Timeout time.Duration
}

// Deliver sends m. A recipient refused for good (a 5xx to RCPT TO) is a
// permanent error; everything else (the server down, a 4xx) is retried.
func (s *SMTP) Deliver(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return outbox.Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return outbox.Permanent(fmt.Errorf("recipient address: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	if m.Unsubscribe != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Config.Port), gomail.WithTimeout(timeout)}
	switch s.Config.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Config.Username), gomail.WithPassword(s.Config.Password))
	}
	c, err := gomail.NewClient(s.Config.Host, opts...)
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() {
		return outbox.Permanent(err)
	}
	return err
}
