import Templater
import TestSupport
import Testing

@Suite struct ByteIOTests {
    @Test func inputRefillKeepsTheUnconsumedWindow() throws {
        let input = ByteInput(bytes: Array("hello world".utf8), name: "<test>")
        input.consume(6)
        #expect(Array(input.window) == Array("world".utf8))
        #expect(input.offset == 6)
        #expect(try input.refill() == false)
    }

    /// An in-memory output keeps every byte, through its buffer and past it (a value longer than the
    /// buffer goes around it), in order.
    @Test func memoryOutputCollectsEveryByteInOrder() throws {
        let output = ByteOutput.memory(name: "<memory>")
        let long = [UInt8](repeating: 0x61, count: ByteOutput.bufferSize + 3)
        try output.write("head ")
        try output.write(long)
        try output.write(byte: 0x24)
        try output.write(Array(" tail".utf8))
        try output.flush()
        #expect(output.collected == Array("head ".utf8) + long + [0x24] + Array(" tail".utf8))
    }
}
