package main

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// setModeratorMail is `parley moderator mail NAME --email A --digest D`.
func setModeratorMail(ctx context.Context, e env, d *dataFlags, name, email, digest string) error {
	store, keys, err := openData(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	return setModeratorMailIn(ctx, e, store, keys, name, email, digest)
}

func setModeratorMailIn(ctx context.Context, e env, store comment.Store, keys *secret.Keyring, name, email, digest string) error {
	email = strings.TrimSpace(email)
	var sealed []byte
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || a.Address != email {
			return usagef("--email %q: want an address like name@example.com", email)
		}
		var err error
		if sealed, err = keys.EncryptEmail(email); err != nil {
			return err
		}
	}
	if err := cliDesk(store).SetModeratorMail(ctx, name, sealed, digest); err != nil {
		if comment.ErrorCode(err) == comment.CodeInvalid {
			return usagef("--digest must be off, hourly or daily")
		}
		return err
	}
	if email == "" {
		fmt.Fprintf(e.stdout, "moderator %s has no email: no digest or alert is sent\n", name)
		return nil
	}
	if digest == "" || digest == "off" {
		digest = "no digest"
	} else {
		digest += " digest"
	}
	fmt.Fprintf(e.stdout, "moderator %s gets email (%s, queue alerts)\n", name, digest)
	return nil
}
