/// The AMQP 0-9-1 probe (RabbitMQ and other brokers): the protocol header, then the server's first
/// frame decides.
///
/// A method frame on channel 0 holding `Connection.Start` (class 10, method 10) is ready; its
/// server properties' `product` and `version` are logged. A server that does not speak 0-9-1
/// answers with the protocol header it does speak and closes (an AMQP 1.0 broker sends
/// `AMQP 0 1 0 0`): not ready, naming that version, since the broker may still be being
/// replaced. The probe closes without answering (a broker logs that the client closed the
/// connection during the handshake).
struct AMQPConversation: Conversation {
    /// Where it runs, for messages: `127.0.0.1:5672`.
    let peer: String
    private var buffer: [UInt8] = []

    /// The largest frame accepted (RabbitMQ's `Connection.Start` is about 500 bytes).
    private static let maximumFrame = 64 * 1024

    /// `AMQP`, 0, then protocol 0-9-1.
    static let protocolHeader: [UInt8] = Array("AMQP".utf8) + [0, 0, 9, 1]

    /// A conversation with the server at `peer`.
    init(peer: String) { self.peer = peer }

    mutating func opening() -> [UInt8] {
        buffer = []
        return Self.protocolHeader
    }

    mutating func receive(_ bytes: [UInt8]) -> ConversationStep {
        buffer += bytes
        if buffer.first == UInt8(ascii: "A") {
            let name = Array("AMQP".utf8)
            guard buffer.prefix(4).elementsEqual(name.prefix(min(4, buffer.count))) else {
                return notAMQP()
            }
            guard buffer.count >= 8 else { return .needMore }
            let version = buffer[5...7].map { String($0) }.joined(separator: "-")
            let shown = buffer[4] == 0 ? version : "\(buffer[4]) \(version)"
            return .done(
                .notReady(
                    "\(peer): the server speaks AMQP \(shown), not 0-9-1 (it answered with its own "
                        + "protocol header)"), farewell: [])
        }
        guard buffer.count >= 7 else { return .needMore }
        let size =
            Int(buffer[3]) << 24 | Int(buffer[4]) << 16 | Int(buffer[5]) << 8 | Int(buffer[6])
        guard buffer[0] == 1, size >= 4, size <= Self.maximumFrame else { return notAMQP() }
        guard buffer.count >= 7 + size + 1 else { return .needMore }
        let payload = Array(buffer[7..<(7 + size)])
        guard buffer[7 + size] == 0xCE else { return notAMQP() }
        let classID = Int(payload[0]) << 8 | Int(payload[1])
        let methodID = Int(payload[2]) << 8 | Int(payload[3])
        guard classID == 10, methodID == 10 else {
            return .done(
                .notReady(
                    "\(peer): the first AMQP frame is method \(classID).\(methodID), not "
                        + "Connection.Start (10.10)"), farewell: [])
        }
        return .done(.ready(detail: serverDescription(payload), warning: false), farewell: [])
    }

    func endOfStream() -> Verdict {
        .notReady("\(peer): the server closed the connection before Connection.Start")
    }

    private func notAMQP() -> ConversationStep {
        .done(.notReady("\(peer): not an AMQP server (no AMQP frame)"), farewell: [])
    }

    /// `RabbitMQ 3.10.8` from `Connection.Start`'s server properties (class, method, two version
    /// bytes, then the field table), or nil when they say neither.
    private func serverDescription(_ payload: [UInt8]) -> String? {
        let properties = Self.longStrings(inTable: payload, at: 6)
        let parts = [properties["product"], properties["version"]].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// The long-string (`S`) fields of the field table at `offset` in `bytes`; reading stops at the
    /// first field type whose size it does not know.
    static func longStrings(inTable bytes: [UInt8], at offset: Int) -> [String: String] {
        func integer(_ at: Int, _ count: Int) -> Int? {
            guard at >= 0, at + count <= bytes.count else { return nil }
            return bytes[at..<(at + count)].reduce(0) { $0 << 8 | Int($1) }
        }
        guard let length = integer(offset, 4) else { return [:] }
        let end = min(offset + 4 + length, bytes.count)
        var index = offset + 4
        var result: [String: String] = [:]
        while index < end {
            guard let nameLength = integer(index, 1), index + 1 + nameLength < end else { break }
            let name = String(
                decoding: bytes[(index + 1)..<(index + 1 + nameLength)], as: UTF8.self)
            index += 1 + nameLength
            let type = bytes[index]
            index += 1
            switch type {
            case UInt8(ascii: "S"), UInt8(ascii: "F"), UInt8(ascii: "x"), UInt8(ascii: "A"):
                guard let size = integer(index, 4), index + 4 + size <= end else { return result }
                if type == UInt8(ascii: "S") {
                    result[name] = String(
                        decoding: bytes[(index + 4)..<(index + 4 + size)], as: UTF8.self)
                }
                index += 4 + size
            case UInt8(ascii: "t"), UInt8(ascii: "b"), UInt8(ascii: "B"): index += 1
            case UInt8(ascii: "s"), UInt8(ascii: "u"): index += 2
            case UInt8(ascii: "I"), UInt8(ascii: "i"), UInt8(ascii: "f"): index += 4
            case UInt8(ascii: "l"), UInt8(ascii: "L"), UInt8(ascii: "d"), UInt8(ascii: "T"):
                index += 8
            case UInt8(ascii: "D"): index += 5
            case UInt8(ascii: "V"): break
            default: return result
            }
        }
        return result
    }
}
