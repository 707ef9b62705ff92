#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TernBroker
import TernTLS

/// Turns the daemon's TLS settings into a ``TLSContext``, creating a private CA and a server
/// certificate on a first start without certificates.
enum TLSSetup {
    static func context(for settings: BrokerSettings, logger: Logger) throws(DaemonError) -> TLSContext? {
        guard settings.usesTLS else {
            logger.warning("TLS is off (--no-tls): clients connect in plaintext")
            return nil
        }
        let certificateFile: String
        let keyFile: String
        if let cert = settings.certificateFile, let key = settings.keyFile {
            (certificateFile, keyFile) = (cert, key)
        } else {
            let files = try generatedFiles(in: settings.dataDirectory + "/tls", logger: logger)
            (certificateFile, keyFile) = (files.certificateChainFile, files.privateKeyFile)
        }
        var configuration = TLSConfiguration.server(certificateChainFile: certificateFile, privateKeyFile: keyFile)
        if let clientCA = settings.clientCAFile {
            // With users, a client may authenticate otherwise: a certificate is judged at HELLO,
            // where a bad one gets `authentication_failed` rather than a failed handshake.
            configuration.clientAuthentication = settings.configuration.authorization.requiresAuthentication ? .requested : .required
            configuration.clientCAFile = clientCA
        }
        do {
            return try TLSContext(configuration: configuration)
        } catch {
            throw DaemonError("TLS: \(error)")
        }
    }

    /// The certificate files in `directory`, created with a new private CA if they are missing.
    private static func generatedFiles(in directory: String, logger: Logger) throws(DaemonError) -> TLSServerFiles {
        let files = TLSServerFiles(directory: directory)
        let exists = FileManager.default.fileExists(atPath: files.certificateChainFile)
            && FileManager.default.fileExists(atPath: files.privateKeyFile)
        if !exists {
            do {
                try TLSCertificateAuthority.generateServerFiles(in: directory)
            } catch {
                throw DaemonError("cannot create certificates in \(directory): \(error)")
            }
            logger.notice("created a private CA and a server certificate for localhost, 127.0.0.1 and ::1", metadata: ["ca": "\(files.caCertificateFile)"])
        }
        logger.info("clients trust this broker with its CA", metadata: ["ca": "\(files.caCertificateFile)"])
        return files
    }
}
