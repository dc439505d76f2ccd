/// The protocol exchange a probe holds once its connection is up (HTTP, PostgreSQL, MySQL); plain TCP
/// and Unix socket targets have none: the accepted connection is the answer.
///
/// A conversation only turns bytes into bytes and a verdict; the connection (`Leg`) does the I/O, so
/// each protocol is tested with byte fixtures, without sockets.
protocol Conversation {
    /// The bytes to send as soon as the connection is up (empty: just listen).
    mutating func opening() -> [UInt8]
    /// Takes the bytes that just arrived and says what to do next.
    mutating func receive(_ bytes: [UInt8]) -> ConversationStep
    /// The verdict when the server closes the connection before the conversation reached one.
    func endOfStream() -> Verdict
}

/// What a `Conversation` wants after some bytes arrived.
enum ConversationStep: Equatable {
    /// Keep reading.
    case needMore
    /// Send these bytes, then keep reading.
    case send([UInt8])
    /// Close this connection and open a new one to the same address; `opening()` is asked again.
    case reconnect
    /// The conversation is over: `farewell` (possibly empty) is sent before the connection closes.
    case done(Verdict, farewell: [UInt8])
}
