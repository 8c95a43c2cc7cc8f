/// What one read from a `PacketSource` produced.
public enum ReadResult {
    /// A frame, valid until the next read.
    case frame(Frame)
    /// A live source's read timeout passed with no packet; read again.
    case timeout
    /// The file ended normally, or the source was stopped.
    case end
    /// The file ended in the middle of a record; frames before the cut were delivered.
    case truncated(String)
    /// A read error libpcap reported.
    case failed(String)
}
