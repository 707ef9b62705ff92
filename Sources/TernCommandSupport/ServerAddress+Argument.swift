import ArgumentParser
// The executables name the type through this module, which declared it before it moved to
// TernProtocol.
@_exported import struct TernProtocol.ServerAddress

/// A `HOST:PORT` command-line argument (an IPv6 host in brackets, `[::1]:8376`), parsed by
/// `ServerAddress.init(_:)`.
extension ServerAddress: ExpressibleByArgument {}
