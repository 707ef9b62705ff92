import TernProtocol

/// The message of a `permission_denied` refusal (PROTOCOL.md section 6.5): the operation, the
/// topic, pattern or subject in single quotes, and the user, e.g.
/// `publish 'billing.x': not allowed for user 'orders-svc'`.
enum PermissionRefusal {
    /// The word for an operation of the schema registry that needs `role`.
    static func operation(needing role: RegistryRole) -> String {
        "registry-\(role.rawValue)"
    }

    static func message(operation: String, name: String, user: String) -> String {
        "\(operation) '\(name)': not allowed for user '\(user)'"
    }
}
