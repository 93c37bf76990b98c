package http2

// flow is a connection's flow-control state (RFC 9113 §5.2, §6.9), guarded
// by the connection's mu. Receive windows are what the client may still
// send; the server gives bytes back (WINDOW_UPDATE) as handlers read them,
// half a window at a time. Send windows are what the server may still
// send; handlers wait on sendCond while they are empty.
type flow struct {
	lim               Limits
	recvWindow        int64 // connection: what the client may still send
	connUnacked       int64 // consumed, not yet given back
	sendWindow        int64 // connection: what the server may still send
	peerInitialWindow int64 // the client's SETTINGS_INITIAL_WINDOW_SIZE
	peerMaxFrame      uint32
}

func (f *flow) init(lim Limits) {
	f.lim = lim
	f.recvWindow = int64(lim.ConnWindow)
	f.sendWindow = 65535
	f.peerInitialWindow = 65535
	f.peerMaxFrame = DefaultMaxFrameSize
}

// returnConn gives n bytes of the connection's receive window back to the
// client, in a WINDOW_UPDATE once half the window is due; c.mu is held.
func (c *Conn) returnConn(n int) {
	c.connUnacked += int64(n)
	if c.connUnacked >= int64(c.lim.ConnWindow)/2 {
		c.wbuf = AppendWindowUpdate(c.out(), 0, uint32(c.connUnacked))
		c.recvWindow += c.connUnacked
		c.connUnacked = 0
		c.wcond.Signal()
	}
}

// consumed gives n bytes the handler of s read, or padding, back to the
// client: to the connection, and to the stream while it still receives;
// c.mu is held.
func (c *Conn) consumed(s *Stream, n int64) {
	c.returnConn(int(n))
	if s.recvEnd || s.reset {
		return
	}
	s.unacked += n
	if s.unacked >= int64(c.lim.StreamWindow)/2 {
		c.wbuf = AppendWindowUpdate(c.out(), s.id, uint32(s.unacked))
		s.recvWindow += s.unacked
		s.unacked = 0
		c.wcond.Signal()
	}
}
