package main

import "context"

func cmdModel(ctx context.Context, e env, args []string) error {
	return usagef("the classifier commands are not part of this build yet")
}
