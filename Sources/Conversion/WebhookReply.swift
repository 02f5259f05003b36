import JSON

/// What an endpoint answers to one HTTP request: a status code and a JSON body. The HTTP layer
/// (module Webhook) sends it as is; the endpoints never see sockets.
public struct WebhookReply: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String

    public init(status: Int, body: [UInt8], contentType: String = "application/json") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }
}
