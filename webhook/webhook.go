// Package webhook calls a site's webhooks: it builds each event's JSON body
// (queued in the outbox in the same transaction as the change), signs it
// the way Stripe does, and POSTs it. The outbox Worker retries with backoff.
//
// Each call carries the header
//
//	Parley-Signature: t=UNIX_TIME,v1=HEX
//
// where HEX is the hex of HMAC-SHA256(secret, t + "." + body), and
// Parley-Delivery, the delivery's ID, the same on every attempt so that a
// receiver can drop a copy.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/outbox"
)

// The headers of a webhook call.
const (
	SignatureHeader = "Parley-Signature"
	DeliveryHeader  = "Parley-Delivery"
	EventHeader     = "Parley-Event"
)

// EventTest is the topic of the dashboard's "send test" call.
const EventTest = "webhook.test"

// Event is the JSON body of a webhook call. It never carries an email.
type Event struct {
	Event   string    `json:"event"`
	Site    string    `json:"site"`
	At      string    `json:"created_at"` // RFC 3339, UTC
	Comment *Comment  `json:"comment,omitempty"`
	Report  *Report   `json:"report,omitempty"`
	Test    *struct{} `json:"test,omitempty"`
}

// Comment is what an event says about a comment.
type Comment struct {
	ID           int64          `json:"id"`
	ArticleURL   string         `json:"article_url"`
	ArticleTitle string         `json:"article_title"`
	ParentID     int64          `json:"parent_id,omitempty"`
	AuthorName   string         `json:"author_name"`
	Website      string         `json:"author_website,omitempty"`
	Body         string         `json:"body"`
	HTML         string         `json:"html"`
	Status       comment.Status `json:"status"`
	Reason       comment.Reason `json:"reason,omitempty"`
	Score        float64        `json:"score"`
	Flagged      bool           `json:"flagged"`
	CreatedAt    string         `json:"created_at"`
	DecidedBy    string         `json:"decided_by,omitempty"`
}

// Report is what comment.reported says about the report: its reason,
// never who reported or their explanation.
type Report struct {
	Reason comment.ReportReason `json:"reason"`
}

// NewEvent builds an event about c at at. A comment not yet stored has ID
// 0; the sender fills in the ID the store gave it.
func NewEvent(event string, c comment.Comment, at time.Time) Event {
	ec := &Comment{
		ID: c.ID, ArticleURL: c.ArticleURL, ArticleTitle: c.ArticleTitle, ParentID: c.ParentID,
		AuthorName: c.AuthorName, Website: c.AuthorWebsite, Body: c.Body, HTML: c.HTML, Status: c.Status,
		Reason: c.Reason, Score: c.Score, Flagged: c.Flagged, CreatedAt: rfc3339(c.CreatedAt), DecidedBy: c.DecidedBy,
	}
	return Event{Event: event, Site: c.SiteID, At: rfc3339(at), Comment: ec}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// TestEvent is the body of a "send test" call.
func TestEvent(site string, at time.Time) Event {
	return Event{Event: EventTest, Site: site, At: rfc3339(at), Test: &struct{}{}}
}

// Sign returns the Parley-Signature value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a Parley-Signature header against body: a v1 signature
// made with secret, at a time within tolerance of now (against replays).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook: signature has no valid t")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: signature is too old or from the future")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("webhook: no matching v1 signature")
}

// CheckURL says what is wrong with a webhook URL, or "": it must be an
// absolute http or https URL with a host. Other schemes (file:, gopher:,
// ftp: ...) are refused so that a webhook cannot be aimed at anything but
// an HTTP server.
func CheckURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "is required"
	case len(raw) > 2000:
		return "must be at most 2000 characters"
	case err != nil:
		return "is not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http or https URL"
	case u.Host == "" || u.Hostname() == "":
		return "must name a host"
	case u.Fragment != "":
		return "must not have a #fragment"
	}
	return ""
}

// Opener opens a sealed secret (the server's secret box).
type Opener interface {
	DecryptEmail(sealed []byte) (string, error)
}

// Sender delivers webhook outbox items. It implements outbox.Sender.
type Sender struct {
	Store interface {
		Webhook(ctx context.Context, id int64) (comment.Webhook, error)
	}
	Keys Opener
	// Client makes the calls; default one with a 10-second timeout that
	// follows no redirects.
	Client *http.Client
	Now    func() time.Time
}

// NewClient is the default client: a 10-second timeout, no redirects
// (a redirect is answered as a failure, so a webhook cannot be bounced
// elsewhere).
func NewClient() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Body is what is POSTed for an item to a webhook of a given format: the
// queued JSON (with the comment's ID filled in when it was queued before
// the comment had one), or its Slack incoming-webhook form.
func Body(it comment.OutboxItem, format string) ([]byte, error) {
	body := []byte(it.Payload)
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("webhook: payload is not an event: %w", err)
	}
	if ev.Comment != nil && ev.Comment.ID == 0 && it.CommentID != 0 {
		ev.Comment.ID = it.CommentID
		var err error
		if body, err = json.Marshal(ev); err != nil {
			return nil, err
		}
	}
	if format == comment.WebhookSlack {
		return json.Marshal(map[string]string{"text": SlackText(ev)})
	}
	return body, nil
}

// Send POSTs one item: 2xx is delivered; 4xx other than 408 and 429 will
// not get better and is given up (outbox.Permanent); anything else is tried
// again later.
func (s *Sender) Send(ctx context.Context, it comment.OutboxItem) error {
	id, err := strconv.ParseInt(it.Target, 10, 64)
	if err != nil {
		return giveUp(fmt.Errorf("webhook: target %q is not a webhook ID", it.Target))
	}
	w, err := s.Store.Webhook(ctx, id)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return giveUp(fmt.Errorf("webhook %d was deleted", id))
	}
	if err != nil {
		return err
	}
	if !w.Enabled && it.Topic != EventTest {
		return giveUp(fmt.Errorf("webhook %d is disabled", id))
	}
	if msg := CheckURL(w.URL); msg != "" {
		return giveUp(fmt.Errorf("webhook %d: url %s", id, msg))
	}
	secret, err := s.Keys.DecryptEmail(w.SecretCipher)
	if err != nil {
		return giveUp(fmt.Errorf("webhook %d: secret cannot be opened: %w", id, err))
	}
	body, err := Body(it, w.Format)
	if err != nil {
		return giveUp(err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return giveUp(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set(SignatureHeader, Sign([]byte(secret), now(), body))
	req.Header.Set(DeliveryHeader, strings.Trim(it.MessageID, "<>"))
	req.Header.Set(EventHeader, it.Topic)
	client := s.Client
	if client == nil {
		client = NewClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %d: %w", id, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return giveUp(fmt.Errorf("webhook %d: receiver answered %s", id, resp.Status))
	default:
		return fmt.Errorf("webhook %d: receiver answered %s", id, resp.Status)
	}
}

// GaveUp starts the error kept on a call that will not be tried again.
const GaveUp = "gave up: "

func giveUp(err error) error { return outbox.Permanent(fmt.Errorf("%s%w", GaveUp, err)) }

// The statuses of a delivery.
const (
	StatusDelivered = "delivered" // the receiver answered 2xx
	StatusFailed    = "failed"    // given up: a 4xx, or the webhook is gone
	StatusRetrying  = "retrying"  // failed, to be tried again
	StatusPending   = "pending"   // not tried yet
)

// DeliveryStatus is where a webhook outbox item stands.
func DeliveryStatus(it comment.OutboxItem) string {
	switch {
	case !it.SentAt.IsZero() && strings.HasPrefix(it.LastError, GaveUp):
		return StatusFailed
	case !it.SentAt.IsZero():
		return StatusDelivered
	case it.Attempts > 0:
		return StatusRetrying
	}
	return StatusPending
}

// SlackText is an event as one line of Slack mrkdwn.
func SlackText(ev Event) string {
	if ev.Comment == nil {
		if ev.Event == EventTest {
			return "Parley test call for site " + slackEscape(ev.Site) + ": the webhook works."
		}
		return "Parley: " + slackEscape(ev.Event) + " on site " + slackEscape(ev.Site)
	}
	c := ev.Comment
	what := map[string]string{
		comment.EventCommentCreated:  "New comment",
		comment.EventCommentApproved: "Comment approved",
		comment.EventCommentRejected: "Comment rejected",
		comment.EventCommentRemoved:  "Comment removed",
		comment.EventCommentReported: "Comment reported",
	}[ev.Event]
	if what == "" {
		what = ev.Event
	}
	title := c.ArticleTitle
	if title == "" {
		title = c.ArticleURL
	}
	text := fmt.Sprintf("%s by %s on <%s|%s>", what, slackEscape(c.AuthorName), slackURL(c.ArticleURL), slackEscape(title))
	if c.Reason != "" {
		text += " (" + slackEscape(string(c.Reason)) + ")"
	}
	if ev.Report != nil {
		text += " — " + slackEscape(string(ev.Report.Reason))
	}
	if c.Flagged {
		text += " :warning: flagged"
	}
	body := c.Body
	if r := []rune(body); len(r) > 300 {
		body = string(r[:300]) + "…"
	}
	if body != "" {
		text += "\n> " + strings.ReplaceAll(slackEscape(body), "\n", "\n> ")
	}
	return text
}

// slackEscape escapes the three characters Slack's mrkdwn reserves, so
// a commenter cannot write a mention or a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func slackURL(s string) string {
	return strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C").Replace(s)
}
