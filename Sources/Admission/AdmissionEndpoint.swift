// OWNER: admission helper. Stub with the fixed signatures the Webhook module calls.

/// The `/validate-ray-io-v1-raycluster` and `/mutate-ray-io-v1-raycluster` endpoints: an
/// AdmissionReview body in, an AdmissionReview body out.
public enum AdmissionEndpoint {
    public static func validate(body: [UInt8], contentType: String?, gates: FeatureGates) -> WebhookReply {
        WebhookReply(status: 501, body: Array(#"{"message":"validation not implemented yet"}"#.utf8))
    }

    public static func mutate(body: [UInt8], contentType: String?, gates: FeatureGates) -> WebhookReply {
        WebhookReply(status: 501, body: Array(#"{"message":"defaulting not implemented yet"}"#.utf8))
    }
}
