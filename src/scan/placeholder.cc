// Replaced by the scanner.
