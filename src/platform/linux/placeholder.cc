// Replaced by the Linux platform implementation.
