// Package mail sends Parley's email: the outbox Sender of kind "email",
// which renders each queued item from templates (plain text and HTML, in
// English or French) and delivers it over SMTP with the item's one
// Message-ID and a signed one-click unsubscribe link (RFC 8058); the routes
// those links lead to; and a catcher that keeps messages in memory for
// `parley demo`.
package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/secret"
)

// ErrUnsubscribed is why a message to someone who unsubscribed is dropped.
var ErrUnsubscribed = errors.New("the recipient unsubscribed")

// Sender is the outbox Sender of email items.
type Sender struct {
	Store     comment.Store
	Keys      *secret.Keyring
	Links     *Links
	Templates *Templates
	// From is the sender address (--mail-from).
	From string
	// Transport delivers; nil means no SMTP is configured (the worker is
	// then not given this sender, and items wait).
	Transport Transport
}

// Send renders and delivers one item.
func (s *Sender) Send(ctx context.Context, it comment.OutboxItem) error {
	m, err := s.Render(ctx, it)
	if err != nil {
		return err
	}
	return s.Transport.Deliver(ctx, m)
}

// Render makes the message an item stands for, without sending it. Errors
// no retry can cure (the comment is gone, the recipient unsubscribed) are
// outbox.Permanent.
func (s *Sender) Render(ctx context.Context, it comment.OutboxItem) (Message, error) {
	data := map[string]any{}
	if len(it.Payload) > 0 {
		if err := json.Unmarshal(it.Payload, &data); err != nil {
			return Message{}, outbox.Permanent(fmt.Errorf("payload: %w", err))
		}
	}
	lang, _ := data["lang"].(string)
	if lang != "fr" {
		lang = "en"
	}
	data["lang"] = lang
	data["site"] = it.SiteID
	to, unsub, err := s.recipient(ctx, it, data)
	if err != nil {
		return Message{}, err
	}
	data["unsubscribe_url"] = unsub
	if err := s.enrich(ctx, it, data); err != nil {
		return Message{}, err
	}
	subject, text, html, err := s.Templates.Render(it.Topic, lang, data)
	if err != nil {
		return Message{}, outbox.Permanent(err)
	}
	return Message{From: s.From, To: to, Subject: subject, Text: text, HTML: html, MessageID: it.MessageID, Unsubscribe: unsub}, nil
}

// recipient finds whom an item goes to, and their unsubscribe link.
func (s *Sender) recipient(ctx context.Context, it comment.OutboxItem, data map[string]any) (to, unsub string, err error) {
	switch {
	case it.Target == "commenter":
		c, err := s.Store.Comment(ctx, it.CommentID)
		if comment.ErrorCode(err) == comment.CodeNotFound {
			return "", "", outbox.Permanent(err)
		}
		if err != nil {
			return "", "", err
		}
		if len(c.EmailCipher) == 0 {
			return "", "", outbox.Permanent(errors.New("the comment has no email"))
		}
		out, err := s.Store.Unsubscribed(ctx, c.SiteID, c.EmailHMAC)
		if err != nil {
			return "", "", err
		}
		if out {
			return "", "", outbox.Permanent(ErrUnsubscribed)
		}
		to, err := s.Keys.DecryptEmail(c.EmailCipher)
		if err != nil {
			return "", "", outbox.Permanent(fmt.Errorf("decrypting the email: %w", err))
		}
		return to, s.Links.UnsubscribeCommenterURL(c.SiteID, c.EmailHMAC), nil
	case strings.HasPrefix(it.Target, "moderator:"):
		id, err := strconv.ParseInt(strings.TrimPrefix(it.Target, "moderator:"), 10, 64)
		if err != nil {
			return "", "", outbox.Permanent(fmt.Errorf("target %q", it.Target))
		}
		ms, err := s.Store.ModeratorMails(ctx)
		if err != nil {
			return "", "", err
		}
		for _, m := range ms {
			if m.ModeratorID != id {
				continue
			}
			if len(m.EmailCipher) == 0 {
				return "", "", outbox.Permanent(ErrUnsubscribed)
			}
			to, err := s.Keys.DecryptEmail(m.EmailCipher)
			if err != nil {
				return "", "", outbox.Permanent(fmt.Errorf("decrypting the email: %w", err))
			}
			return to, s.Links.UnsubscribeModeratorURL(id), nil
		}
		return "", "", outbox.Permanent(fmt.Errorf("moderator %d has no email", id))
	case it.Target == "cipher":
		raw, _ := data["to_cipher"].(string)
		sealed, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || len(sealed) == 0 {
			return "", "", outbox.Permanent(errors.New("payload to_cipher: not base64"))
		}
		to, err := s.Keys.DecryptEmail(sealed)
		if err != nil {
			return "", "", outbox.Permanent(fmt.Errorf("decrypting the email: %w", err))
		}
		// A message asked for (a verification link, a data request) goes
		// to an address not yet tied to anything to unsubscribe from.
		unsub, _ := data["unsubscribe_url"].(string)
		return to, unsub, nil
	}
	return "", "", outbox.Permanent(fmt.Errorf("unknown target %q", it.Target))
}

// enrich adds to a topic's data what is read at send time: the appeal
// link of a decision, the replies of a reply notice.
func (s *Sender) enrich(ctx context.Context, it comment.OutboxItem, data map[string]any) error {
	switch it.Topic {
	case "decision":
		if ok, _ := data["appeal"].(bool); ok {
			data["appeal_url"] = s.Links.AppealURL(it.CommentID)
		}
	case "reply":
		var replies []comment.Comment
		if ids, ok := data["replies"].([]any); ok {
			for _, v := range ids {
				f, _ := v.(float64)
				c, err := s.Store.Comment(ctx, int64(f))
				if comment.ErrorCode(err) == comment.CodeNotFound {
					continue
				}
				if err != nil {
					return err
				}
				if c.Status == comment.StatusApproved {
					replies = append(replies, c)
				}
			}
		} else {
			after, _ := time.Parse(time.RFC3339Nano, str(data["after"]))
			until, _ := time.Parse(time.RFC3339Nano, str(data["until"]))
			var err error
			if replies, err = s.Store.ApprovedReplies(ctx, it.CommentID, after, until); err != nil {
				return err
			}
		}
		// The author's own replies in the thread are not news to them.
		if parent, err := s.Store.Comment(ctx, it.CommentID); err == nil {
			replies = slices.DeleteFunc(replies, func(r comment.Comment) bool { return bytes.Equal(r.EmailHMAC, parent.EmailHMAC) })
		}
		if len(replies) == 0 {
			return outbox.Permanent(errors.New("no published reply left to tell of"))
		}
		list := make([]map[string]any, len(replies))
		for i, r := range replies {
			list[i] = map[string]any{"id": r.ID, "name": r.AuthorName, "excerpt": Excerpt(r.Body, 300)}
		}
		data["replies"] = list
	}
	return nil
}

func str(v any) string { s, _ := v.(string); return s }

// Excerpt cuts s to at most n runes on a word boundary, on one line.
func Excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// Preview renders an item for the dashboard's Mail page: its recipient,
// subject and plain text, or why it cannot be rendered now.
func (s *Sender) Preview(ctx context.Context, it comment.OutboxItem) (to, subject, text string, err error) {
	m, err := s.Render(ctx, it)
	return m.To, m.Subject, m.Text, err
}

// Sends reports whether messages are delivered (a mail server or the
// catcher is configured).
func (s *Sender) Sends() bool { return s.Transport != nil }
