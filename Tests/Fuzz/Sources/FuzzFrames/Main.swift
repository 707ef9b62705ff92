import CFuzzerDriver

/// The program's entry point. SwiftPM links an executable with `main` renamed to this symbol,
/// which hides libFuzzer's own `main`, so this one starts libFuzzer's driver itself.
@_cdecl("FuzzFrames_main")
func fuzzFramesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzzFrames(data, size)
    }
}
