import TernBroker

/// The settings section of `ternd --help`, from the settings' declarations.
enum SettingsHelp {
    /// Where each setting's help starts, as in ArgumentParser's own sections.
    private static let labelWidth = 26
    private static let width = 80

    static var section: String {
        var lines = ["SETTINGS:"]
        lines += wrap(
            """
            Each setting is a flag, an environment variable (TERN_ and the key in capitals, - as _) and a key \
            of the --config file: --mailbox-bytes 64MiB, TERN_MAILBOX_BYTES=64MiB, "mailbox-bytes": "64MiB". \
            A flag wins over the environment, which wins over the file.
            """,
            indent: 2
        )
        lines.append("")
        for setting in BrokerSetting.all {
            let label = "  --\(setting.key)" + (setting.form == .switch ? "" : " <\(setting.valueName)>")
            let text = "\(setting.help) (default: \(setting.defaultDescription); \(SettingEnvironment.variable(for: setting)))"
            var wrapped = wrap(text, indent: labelWidth)
            if label.count + 2 <= labelWidth {
                wrapped[0] = label + wrapped[0].dropFirst(label.count)
            } else {
                wrapped.insert(label, at: 0)
            }
            lines += wrapped
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most ``width`` characters, each indented by `indent` spaces.
    private static func wrap(_ text: String, indent: Int) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = margin
        for word in text.split(separator: " ") {
            if line.count > indent && line.count + 1 + word.count > width {
                lines.append(line)
                line = margin
            }
            line += (line.count > indent ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
