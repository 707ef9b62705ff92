#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's `errno`, under a name that does not clash with swift-system's `Errno`.
var systemErrno: Int32 { errno }
