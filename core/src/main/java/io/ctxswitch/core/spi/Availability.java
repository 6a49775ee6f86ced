package io.ctxswitch.core.spi;

/**
 * Whether a source can run here. When it cannot, {@code reason} is one line naming what is missing
 * and how to get it, fit to show to a user as it is.
 */
public record Availability(boolean available, String reason) {

    public static Availability ok(String why) {
        return new Availability(true, why);
    }

    public static Availability missing(String whatAndHowToFix) {
        return new Availability(false, whatAndHowToFix);
    }
}
