package main

import "github.com/parleyhq/parley/moderation"

// loadClassifier returns the ad hominem classifier the server scores with.
func loadClassifier() moderation.Classifier { return nil }
