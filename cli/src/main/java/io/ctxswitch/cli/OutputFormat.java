package io.ctxswitch.cli;

/** --format. */
enum OutputFormat {
    text,
    json
}
