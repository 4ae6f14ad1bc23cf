package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/identity"
	"github.com/parleyhq/parley/secret"
)

// identityFlags are the flags of `parley site identity`; empty means
// unchanged.
type identityFlags struct {
	verify, requireSSO, jwksURL, secretFile string
}

func registerIdentityFlags(fs *flag.FlagSet) *identityFlags {
	f := &identityFlags{}
	fs.StringVar(&f.verify, "verify", "", "site identity: on holds unproven emails' comments until a link emailed to them is clicked; off")
	fs.StringVar(&f.requireSSO, "require-sso", "", "site identity: on lets only signed-in subscribers comment; off")
	fs.StringVar(&f.jwksURL, "jwks-url", "", "site identity: the URL of the newsroom's JWKS (RS256/ES256 tokens); none to remove")
	fs.StringVar(&f.secretFile, "sso-secret-file", "", "site identity: a file whose first line is the HS256 secret (at least 32 characters); none to remove")
	return f
}

// siteIdentity changes a site's verification and sign-in settings (parley
// site identity ID [--verify on|off] [--require-sso on|off] [--jwks-url URL]
// [--sso-secret-file FILE]) through the desk, and prints them, the secret
// only by its last four characters.
func siteIdentity(ctx context.Context, e env, store comment.Store, keys *secret.Keyring, pos []string, f *identityFlags) error {
	if len(pos) != 2 {
		return usagef("site identity takes one site ID, e.g. parley site identity news --jwks-url https://accounts.news.example/jwks.json")
	}
	site, err := store.Site(ctx, pos[1])
	if err != nil {
		return err
	}
	id := site.Identity
	onOff := func(flag, v string, dst *bool) error {
		switch v {
		case "":
		case "on":
			*dst = true
		case "off":
			*dst = false
		default:
			return usagef("--%s takes on or off", flag)
		}
		return nil
	}
	if err := onOff("verify", f.verify, &id.Verify); err != nil {
		return err
	}
	if err := onOff("require-sso", f.requireSSO, &id.SSO.Required); err != nil {
		return err
	}
	switch f.jwksURL {
	case "":
	case "none":
		id.SSO.JWKSURL = ""
	default:
		id.SSO.JWKSURL = f.jwksURL
	}
	switch f.secretFile {
	case "":
	case "none":
		id.SSO.SecretCipher, id.SSO.SecretHint = nil, ""
	default:
		file, err := os.Open(f.secretFile)
		if err != nil {
			return err
		}
		line, _ := bufio.NewReader(file).ReadString('\n')
		file.Close()
		s := strings.TrimRight(line, "\r\n")
		if msg := desk.CheckSSOSecret(s); msg != "" {
			return usagef("--sso-secret-file: the secret %s", msg)
		}
		sealed, err := keys.Seal(identity.SealPurpose, []byte(s))
		if err != nil {
			return err
		}
		id.SSO.SecretCipher, id.SSO.SecretHint = sealed, s[len(s)-4:]
	}
	if errs := desk.CheckIdentity(id); len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	site.Identity = id
	if err := cliDesk(store).UpdateSite(ctx, site); err != nil {
		return err
	}
	secretNote := "none"
	if len(id.SSO.SecretCipher) > 0 {
		secretNote = "set, ending in " + id.SSO.SecretHint
	}
	fmt.Fprintf(e.stdout, "site %s: verify %s, sso required %s, jwks url %q, hs256 secret %s\n",
		site.ID, onOffText(id.Verify), onOffText(id.SSO.Required), id.SSO.JWKSURL, secretNote)
	return nil
}

func onOffText(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
