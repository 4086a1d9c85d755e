"""The kernel: what every layer may use. One-line errors, the one safe writer, where things are
(package data, user folders, the data folder), the log file and a bounded cache. No Qt, no torch."""
