// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// inside a test, records what it accepts, and can go down and come back on
// the same port.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Raw  []byte
	// Header is the parsed header; Body the raw MIME body.
	Header mail.Header
	Body   []byte
}

// Server is a running SMTP server.
type Server struct {
	t    testing.TB
	Addr string // host:port, the same across Stop and Start

	mu      sync.Mutex
	srv     *smtp.Server
	ln      net.Listener
	msgs    []Message
	arrived chan struct{}
	// Delay, when set, holds the answer to each DATA this long after the
	// message was recorded: a client killed meanwhile has had its message
	// taken without hearing so (the case of a duplicate).
	Delay time.Duration
	// Refuse, when set, answers every DATA with a 451 (a temporary error).
	Refuse bool
}

// Start runs a server on a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Addr: ln.Addr().String(), arrived: make(chan struct{}, 1000)}
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's --smtp-url.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop takes the server down: connections are refused until Start.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close() // Serve may not have taken it yet
	}
	if srv != nil {
		srv.Close()
	}
}

// Restart brings a stopped server back on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtptest: restarting on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// Messages returns what was accepted, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages were accepted and returns them.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			m := s.Messages()
			s.t.Fatalf("smtptest: %d messages after %v, want %d", len(m), timeout, n)
			return m
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	delay, refuse := x.s.Delay, x.s.Refuse
	x.s.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return errors.New("smtptest: unparsable message: " + err.Error())
	}
	body, _ := io.ReadAll(m.Body)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Raw: raw, Header: m.Header, Body: body})
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	return nil
}

// SetDelay and SetRefuse change the server's behaviour while it runs.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.Delay = d; s.mu.Unlock() }

// SetRefuse makes DATA answer 451 (true) or accept again (false).
func (s *Server) SetRefuse(v bool) { s.mu.Lock(); s.Refuse = v; s.mu.Unlock() }

// Text returns the decoded text/plain part of a multipart message (or the
// whole body), with quoted-printable undone.
func (m Message) Text() string { return part(m, "text/plain") }

// HTML returns the decoded text/html part.
func (m Message) HTML() string { return part(m, "text/html") }

func part(m Message, want string) string {
	mt := m.Header.Get("Content-Type")
	if !strings.HasPrefix(mt, "multipart/") {
		return decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)
	}
	return findPart(mt, m.Body, want)
}
