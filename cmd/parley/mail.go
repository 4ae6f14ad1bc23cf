package main

import (
	"context"
	"flag"
	"net/http"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/mail"
	"github.com/parleyhq/parley/outbox"
)

// mailConfig is how `parley serve` and `parley demo` send email.
type mailConfig struct {
	smtpURL       string
	mailFrom      string
	mailTemplates string
	// mailCatcher (parley demo) keeps messages in memory instead of
	// sending them, for the dashboard's Mail page.
	mailCatcher bool
	// mailTick is how often digests and alerts are looked at.
	mailTick time.Duration
}

func (c *mailConfig) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&c.smtpURL, "smtp-url", e.getenv("PARLEY_SMTP_URL"), "send email through smtp://[user:pass@]host:port?tls=starttls|implicit|none (env PARLEY_SMTP_URL); without credentials, no authentication; unset, messages wait in the outbox")
	fs.StringVar(&c.mailFrom, "mail-from", e.getenv("PARLEY_MAIL_FROM"), "sender address of email, e.g. \"Comments <comments@news.example>\" (env PARLEY_MAIL_FROM)")
	fs.StringVar(&c.mailTemplates, "mail-templates", e.getenv("PARLEY_MAIL_TEMPLATES"), "directory of email templates overriding the built-in ones (same file names: decision.en.txt, decision.fr.html, ...) (env PARLEY_MAIL_TEMPLATES)")
	fs.DurationVar(&c.mailTick, "mail-tick", time.Minute, "how often moderators' digests and queue alerts are looked at")
}

// check validates the mail flags.
func (c *mailConfig) check() error {
	if c.smtpURL != "" {
		if _, err := mail.ParseSMTPURL(c.smtpURL); err != nil {
			return usagef("--smtp-url: %v", err)
		}
		if c.mailFrom == "" {
			return usagef("--mail-from is required with --smtp-url")
		}
	}
	switch {
	case c.mailTick < 0:
		return usagef("--mail-tick must be positive")
	case c.mailTick == 0: // a config built without the flags (bench)
		c.mailTick = time.Minute
	}
	t := mail.Templates{Dir: c.mailTemplates}
	if err := t.Check(); err != nil {
		return usagef("--mail-templates: %v", err)
	}
	return nil
}

// mailer is the running email side of a server.
type mailer struct {
	sender  *mail.Sender
	catcher *mail.Catcher // parley demo only
	pages   http.Handler
}

// newMailer builds the email sender and the pages of its links.
func (a *app) newMailer() (*mailer, error) {
	cfg := a.cfg.mailConfig
	links := mail.NewLinks(a.keys, a.baseURL)
	m := &mailer{sender: &mail.Sender{Store: a.store, Keys: a.keys, Links: links, Templates: &mail.Templates{Dir: cfg.mailTemplates}, From: cfg.mailFrom}}
	switch {
	case cfg.smtpURL != "":
		sc, err := mail.ParseSMTPURL(cfg.smtpURL)
		if err != nil {
			return nil, usagef("--smtp-url: %v", err)
		}
		m.sender.Transport = &mail.SMTP{Config: sc}
	case cfg.mailCatcher:
		m.catcher = &mail.Catcher{}
		m.sender.Transport = m.catcher
		if m.sender.From == "" {
			m.sender.From = "Parley demo <parley@demo.invalid>"
		}
	}
	m.pages = &mail.Handler{Links: links, Desk: a.api.Desk, Store: a.store, Logger: a.logger.With("component", "mail")}
	return m, nil
}

// run sends the outbox and queues digests and alerts until ctx ends.
func (m *mailer) run(ctx context.Context, a *app) {
	cfg := a.cfg.mailConfig
	senders := map[string]outbox.Sender{comment.OutboxWebhook: a.webhookSender()}
	if m.sender.Transport != nil {
		senders[comment.OutboxEmail] = m.sender
	} else {
		a.logger.Info("no --smtp-url: emails wait in the outbox (see parley_outbox_backlog)")
	}
	w := &outbox.Worker{Store: a.store, Senders: senders, Logger: a.logger.With("component", "outbox")}
	go w.Run(ctx)
	go func() {
		t := time.NewTicker(cfg.mailTick)
		defer t.Stop()
		for {
			if err := a.api.Desk.MailTick(ctx, a.baseURL+"/admin/"); err != nil && ctx.Err() == nil {
				a.logger.Warn("mail: digests and alerts", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// demoModeratorEmail is the demo moderator's address: with the mail
// catcher, their hourly digest of the queue shows on the Mail page.
const demoModeratorEmail = "moderator@demo.invalid"

// setUpDemoMail gives the demo moderator an address and an hourly digest,
// so that the demo shows moderators' mail as well as commenters'.
func setUpDemoMail(ctx context.Context, a *app) error {
	sealed, err := a.keys.EncryptEmail(demoModeratorEmail)
	if err != nil {
		return err
	}
	return cliDesk(a.store).SetModeratorMail(ctx, demoModerator, sealed, comment.DigestHourly)
}
