import ArgumentParser
// Re-exported so that every command that takes an address names the type through this module,
// as it did when the type was declared here.
@_exported import struct TernProtocol.ServerAddress

/// A `HOST:PORT` command-line argument; an IPv6 host is written in brackets, `[::1]:8376`.
extension ServerAddress: ExpressibleByArgument {}
