// Package classify is Parley's offline ad hominem classifier: it scores a
// comment for attacks on a person (the commenter replied to, the article's
// author, a person the article quotes) as opposed to criticism of ideas,
// and marks the words that drove the score. No network, no cgo.
//
// Pipeline: per-rune NFKD with diacritics dropped and lower-casing (which
// covers NFKC's compatibility folding: full-width letters, ligatures),
// de-obfuscation (1d10t, i.d.i.o.t, stuuupid, zero-width characters), word
// uni/bi/trigrams, character 3–5-grams inside words, cue features for
// "you are (a) W", "<person> is (a) W" versus "<thing> is W", and lexicon
// cues (lexicon.go: character words such as liar, corrupt, coward versus
// policy words such as vote, record, tax, alone and next to a person or a
// possessive), word-order features (v5: skip-bigrams two and three words
// apart with their distance, and the first and last word; the OLID heads
// do not use them), all hashed into 2^20 buckets; a logistic regression trained
// with FTRL-Proximal (single-threaded, seeded permutation: byte-for-byte
// reproducible) on features scaled NBSVM-style by 1 + |log-count ratio|
// (weighted document frequencies among attacks vs the rest, computed on the
// training rows only, folded into the stored weights so scoring costs
// nothing extra); Platt calibration and the flag threshold (best F1) fitted
// on a held-out tenth; weights pruned to the largest 200k and stored as one
// byte each (square-law codebook). Extra heads for OLID levels A, B and C
// live in the same file for evaluation (no NB scaling; the A and B heads
// use the lexicon cues only if that scores better on their held-out tenth
// of the OLID training file, which it does; the C heads never do).
//
// Training data: Kaggle insults train + test_with_solutions, OLID training
// (targeted insults at individuals or groups = attack), the campaign
// tweets (personal attack = attack; policy-only attacks weighted ×4 as
// hard negatives), the LOGIC fallacy examples (ad hominem vs the other
// fallacies), the hand-written seeds in model/seeds.tsv, and optionally the
// server's moderator decisions. Never the Unhealthy Comments Corpus
// (evaluation only, by its license), never the contrast suite
// (testdata/contrast-*.tsv). Every data set has a development split (tuned
// on) and a test split (only reported); see split.go. Training rows that
// appear word for word in any evaluation set are dropped (116 Kaggle rows,
// 8 OLID tweets and one seed in v4).
//
// Regenerate the shipped model and the recorded figures after changing
// anything that affects training:
//
//	go run ./classify/internal/modelcmd train --out classify/model/parley-adhominem.bin
//	go run ./classify/internal/modelcmd eval --json > classify/testdata/eval-baseline.json
//
// Status against the targets (model adhominem-v5, test splits; see
// testdata/eval-baseline.json for every figure, docs/classifier.md for the
// model card; v4 in brackets):
//
//	Kaggle insults verification AUC  0.838 (0.840)  target 0.86  missed by 0.022
//	OLID level B macro-F1            0.667 (0.667)  target 0.72  missed by 0.053; v3 0.704, see below
//	OLID level C macro-F1            0.615 (0.615)  target 0.60  met
//	campaign personal vs policy AUC  0.782 (0.783)  target 0.85  missed by 0.068 (test half, 203 tweets)
//	UCC antagonize AUC               0.739 (0.728)  target 0.78  missed by 0.041
//	bias madlibs lowest identity AUC 0.963 (0.965)  target 0.90  met
//	contrast suite (test, 100+100)   0.93 / 0.94 (0.93 / 0.92)  target 0.95 / 0.95  (attacks flagged / criticism passed)
//
// v5 (this round): word order. Two models that read word order were tried,
// both trained here in pure Go, single-threaded and seeded, and compared
// with the v4 bag of words on the development splits only:
//
//  1. Word-order features in the same linear model (kept), in their own
//     segment of the word group that the OLID heads skip (head flag
//     no_order), so the OLID figures do not move; a model file without
//     word_order in its header (v4 and older) is scored without them.
//     Step one, skip-bigrams (word, word two or three tokens later,
//     distance) and the first and last word; on the development splits
//     against v4: UCC val.csv antagonize 0.739 -> 0.745, hostile 0.776 ->
//     0.781, contrast dev attacks flagged 0.946 -> 0.954 and criticism
//     passed 0.892 -> 0.908, campaign dev 0.851 -> 0.851, Kaggle training
//     tenth 0.904 -> 0.902, madlibs dev lowest 0.965 -> 0.964. Span 2
//     instead of 3: Kaggle tenth 0.901, UCC val 0.743, campaign dev 0.852
//     (not chosen). With the OLID heads using them too, the OLID training
//     tenth moved A -0.004, B -0.056, C +0.010 macro-F1, hence the separate
//     segment. Step two, on top: each word within two tokens of a person or
//     thing reference, keyed by that kind; campaign dev 0.851 -> 0.858,
//     contrast dev criticism passed 0.908 -> 0.923 but attacks flagged
//     0.954 -> 0.946 (one case of 130), UCC val 0.745 -> 0.746, Kaggle
//     tenth 0.902 -> 0.902, madlibs dev unchanged: kept for the campaign
//     half, the target furthest from met. Also keying the words around
//     "you" that way (not kept): Kaggle tenth +0.001, campaign dev +0.001,
//     UCC val -0.001 and hostile -0.003, contrast dev attacks +1 case and
//     criticism -2 cases. The test figures above are what both kept steps
//     give; the flag threshold fitted on the calibration tenth
//     moved from 0.29 to 0.31. Scoring costs about 10% more CPU time:
//     BenchmarkScore on one core, 66,000-67,500 comments per CPU-second
//     for v5 against 72,400-75,800 for v4 (about 62,000 comments/s wall
//     clock; 32,000 with a parent); docs/classifier.md has the machine
//     and its load.
//  2. A small convolutional network over subword embeddings (not kept):
//     per token the sum of three hashed embeddings (word, 4-byte prefix,
//     4-byte suffix; 2^18 rows x 24), 48 filters three tokens wide, ReLU,
//     max over time, logistic output; Adagrad, one epoch (2-8 s; more epochs
//     overfit: 4 epochs gave Kaggle tenth 0.874 alone), blended as bag-of-
//     words logit + w x network logit, measured against the model with the
//     skip-bigrams (step 1 before the kind-keyed words). Alone it is weaker
//     than the bag of words everywhere (Kaggle tenth 0.879 vs 0.902, UCC val
//     0.734 vs 0.740, campaign dev 0.711 vs 0.851). Blended at w = 0.25 on the
//     development splits: Kaggle tenth +0.004, UCC val +0.007, contrast dev
//     AUC +0.002, but campaign dev 0.851 -> 0.842 (w = 0.1: -0.004), the
//     target furthest from met. On test (reported, not chosen on): Kaggle
//     0.839 -> 0.840, UCC 0.738 -> 0.741, contrast AUC 0.973 -> 0.972,
//     campaign 0.781 -> 0.779. Not kept: it loses on a development split,
//     it would need a file-format change (int8 embeddings to stay under
//     16 MB), and run on every comment it costs about 100,000 multiply-adds
//     per comment, which would take the scorer below the 20,000 comments/s
//     floor; a second stage only for uncertain comments is the way to
//     keep it, not built in v5 (tried after v5, below). Code and command:
//     wordorder_test.go (PARLEY_EXPERIMENT=wordorder).
//
// After v5 (nothing kept; the shipped model is still adhominem-v5): a second
// stage that rescores only the comments the bag of words is unsure about,
// so that its cost is paid on a fraction of them. The combined score of a
// comment whose v5 probability p lies in a band [lo, hi] is
// sigmoid((1-w) logit(p) + w s2), s2 the second stage's logit; elsewhere p.
// Two second stages, trained here in pure Go, single-threaded and seeded
// (secondstage_test.go, PARLEY_EXPERIMENT=secondstage): (a) hashed
// character 3-6-grams across word boundaries of the normalised text plus
// each word keyed by the kind (you, person, thing) of the nearest reference
// within four tokens before and after it, logistic regression with Adagrad,
// 3 epochs (1 s); (b) the v5 convolutional network, one epoch. Bands
// [0,1], [0.1,0.7], [0.15,0.6], [0.2,0.5] ([0.15,0.6] holds 23-47% of the
// comments of each set), w 0.25 and 0.5. Development (bag of words and second
// stage trained without the Kaggle/OLID development tenth; campaign by
// 5-fold CV), bag of words first:
//
//	                    Kaggle tenth  UCC val ant.  campaign dev  contrast dev flagged/passed
//	v5 bag of words     0.902         0.741         0.858         0.954 / 0.923
//	(a) alone           0.892         0.719         0.789
//	(a) w.25 [.15,.6]   0.904         0.740         0.855         0.946 / 0.908
//	(a) w.25 [0,1]      0.906         0.742         0.848         0.946 / 0.908
//	(b) alone           0.879         0.734         0.711
//	(b) w.25 [.2,.5]    0.905         0.743         0.858         0.946 / 0.931
//	(b) w.5 [.1,.7]     0.901         0.754         0.844         0.954 / 0.931
//
// No combination beats v5 on every development split: each loses on the
// campaign half (the target furthest from met) or on contrast attacks, and
// the best, (b) w 0.25 [0.2, 0.5], ties the campaign half and gains at most
// 0.004 elsewhere (UCC hostile 0.776 -> 0.779) for one contrast attack
// lost. On test (reported, not
// chosen on) it gives Kaggle 0.838 -> 0.839, UCC 0.739 -> 0.739, campaign
// 0.782 -> 0.786, contrast 0.93 / 0.94 -> 0.92 / 0.95; (a) w 0.25
// [0.15, 0.6] Kaggle 0.836, UCC 0.740, campaign 0.779, contrast 0.93 / 0.95.
// Training the second stage with the unsure rows (out-of-fold v5 score in
// [0.1, 0.7], five inner folds; 60% of the rows) weighted x3 did not help:
// development (a) w 0.25 [0.15, 0.6] Kaggle tenth 0.904, UCC 0.739,
// campaign 0.854, contrast 0.946 / 0.908; (b) w 0.25 [0.2, 0.5] 0.902,
// 0.743, 0.858, 0.946 / 0.915.
// The character model alone scored 70,700-81,200 comments per CPU-second
// (load average 7-10; not a benchmark), so on the band it would, by that
// estimate, have kept the scorer above the 20,000/s floor; none was kept,
// so the scorer is unchanged.
// A specialist second stage, model (a) trained only on the campaign
// tweets, LOGIC and the seeds (the sources that set attacks on persons
// against attacks on policies and arguments), not kept: alone it reaches
// campaign dev 0.810 but Kaggle tenth 0.683; w 0.25 [0.15, 0.6] gives
// development Kaggle tenth 0.897, UCC 0.736, campaign 0.857, contrast
// 0.954 / 0.915, all below v5. (On test, not chosen on, the same blend
// flags 95% of contrast attacks and passes 96% of criticisms, but loses
// 0.016 on Kaggle and 0.005 on UCC; picking it for that would be fitting
// the contrast test half.)
// Also this round, the main head as the mean of the weights of three fits
// with different seeds (recipe field BagMain; recipe_experiment_test.go,
// PARLEY_EXPERIMENT=recipe), not kept: development campaign 0.858 -> 0.857,
// UCC val antagonize 0.746 -> 0.745, Kaggle tenth 0.902 -> 0.902, contrast
// dev unchanged (0.946 / 0.923), madlibs dev lowest 0.964 -> 0.963; on test
// (not chosen on) Kaggle 0.838 -> 0.838, campaign 0.782 -> 0.778, UCC
// 0.739 -> 0.739, contrast 0.93 / 0.94 -> 0.92 / 0.96. The seeded
// permutation's variance is not what limits the figures.
//
// OLID level B, v3 0.704 -> v4 0.667: the only change between them on
// that head is the deduplication the audit requires (8 of 13,240 training
// tweets). Twelve variants of the head were compared by 5-fold cross-
// validation on the OLID training file's offensive tweets (dev, about 4,400
// tweets; olidb_experiment_test.go, PARLEY_EXPERIMENT=olidb), then on
// test: base 0.598 dev / 0.667 test; weights averaged over 5 or 9 seeds
// 0.594 / 0.667 and 0.588 / 0.695; all OLID heads averaged over 5 seeds
// 0.594 / 0.667; thresholds on 5-fold out-of-fold predictions 0.599 / 0.655;
// both 0.603 / 0.666; L1 0.01 and 0.1 0.598 / 0.695 and 0.598 / 0.681;
// NB scaling 0.583 / 0.682; class-balanced weights 0.584 / 0.662, and with
// 5 seeds 0.593 / 0.653; 3 and 12 epochs 0.601 / 0.660 and 0.594 / 0.665.
// Adding the ad hominem score to the B head's logit (weights 0-2, pooled
// out-of-fold dev): weight 0 and 0.2 tie on dev at 0.607, test 0.660 and
// 0.712; larger weights are worse on dev. None is better on
// development data by more than its noise (about 0.005), and the test
// figure ranges 0.653-0.712 across them: on 240 test
// tweets (27 untargeted) one tweet moves macro-F1 by about 0.005. Choosing
// one of the variants that reach 0.695 on test would be fitting the test
// set, so the head is unchanged and the regression stands, explained.
//
// v4: development/test splits for every data set (split.go),
// training deduplicated against every evaluation set, the two seeds in the
// frame of a contrast case removed, the contrast suite rewritten (400 new
// cases, half replies, dev/test), context (context.go), the reason line
// (why.go), the public-figure policy.
//
// Earlier rounds (v1-v3) tried: FTRL learning rate 0.1–0.4, 6 vs 12 epochs, L1 2e-4–0.03 (little
// effect), per-source weights (campaign tweets ×2–8 trade campaign AUC
// against Kaggle and UCC AUC one for one), OLID group insults as attacks or
// not (±0.003). Weight pruning to 200k/50k costs < 0.002 AUC. For v2: 2^22
// buckets (no gain), 12–40 epochs (Kaggle +0.007 without NB scaling, none
// with it), NB scaling floor 0.25–1 and smoothing 0.25–1 (floor 1 best),
// NB scaling or lexicon cues on the OLID heads (level B ±0.015, level C
// −0.02 to −0.05: noise on 240 and 213 test tweets, so those heads stay as
// in v1), tuning the OLID thresholds on 5-fold out-of-fold predictions
// instead of a held-out tenth (level B 0.65–0.68: no better), averaging
// the weights of the last epochs (campaign +0.002, Kaggle −0.001),
// Kaggle ×3 (no gain), policy-only tweets ×4 instead of ×2 (campaign
// +0.008, kept), NB floor 1.5 and 2 (Kaggle −0.002 and −0.003), lexicon
// cues keyed by who precedes the word (you / person noun / capitalised
// name: Kaggle +0.001, OLID B +0.003, but UCC antagonize −0.003 and
// hostile −0.004, so not kept). Hand cues and NB scaling add features but
// the three word-table lookups per token became one (wordInfo), so
// scoring costs the same CPU time as v1 (≈2.3–2.6 s user per 200k
// 300-character comments for both, measured side by side on a loaded
// 2-core machine). Kaggle text
// decoding now reads a lone \xNN escape as a Latin-1 code point (U+00A0)
// instead of U+FFFD (+0.0002).
//
// The cross-validated campaign figure retrains the main head five times,
// each without one fold's tweets (folds by CRC of the tweet uid), so the
// shipped model, which is trained on all of them, is never scored on tweets
// it saw.
package classify
