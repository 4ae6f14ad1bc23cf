// Package fuzz holds the fuzz targets of the HTTP surface: request decoding
// and validation through the real handler, Markdown rendering and
// sanitising, and URL normalisation. They live apart from httpapi's own
// tests so that their instrumented build does not include SQLite, which
// would take minutes; .ci/fuzz finds and runs every Fuzz target of the
// module, these and the others.
package fuzz
