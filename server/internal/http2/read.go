package http2

// processFrame acts on one frame from the client (RFC 9113 §5, §6). It
// returns a connection error, or nil: stream errors it answers itself with
// RST_STREAM.
func (c *Conn) processFrame(h FrameHeader, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.block.stream != 0 && (h.Type != FrameContinuation || h.StreamID != c.block.stream) {
		return ConnError{ErrCodeProtocol, h.Type.String() + " frame inside a header block"}
	}
	f, err := ParseFrame(h, p)
	prioErr := false
	switch e := err.(type) {
	case nil:
	case ConnError:
		return e
	case StreamError:
		if h.Type != FrameHeaders {
			if h.Type == FramePriority && h.StreamID > c.maxClientID {
				c.rstID(e.StreamID, e.Code)
				return c.checkQueued()
			}
			c.streamError(e)
			return c.checkQueued()
		}
		prioErr = true
	}
	switch h.Type {
	case FrameData:
		err = c.processData(&f)
	case FrameHeaders:
		err = c.processHeaders(&f, prioErr)
	case FrameContinuation:
		err = c.processContinuation(&f)
	case FrameRSTStream:
		err = c.processRSTStream(&f)
	case FrameSettings:
		err = c.processSettings(&f)
	case FramePing:
		if !h.Flags.Has(FlagAck) {
			c.wbuf = AppendPing(c.out(), true, f.PingData)
			c.wakeWriter()
		}
		err = c.countIdle()
	case FrameGoAway:
		c.peerGoAway = true // no stream will come: the streams open are served
		err = c.countIdle()
	case FrameWindowUpdate:
		err = c.processWindowUpdate(&f)
	default: // PRIORITY (deprecated, RFC 9113 §5.3.2), unknown types (§5.5)
		err = c.countIdle()
	}
	if err != nil {
		return err
	}
	return c.checkQueued()
}

// countIdle counts a frame that asks work of the server without a request,
// and returns ENHANCE_YOUR_CALM past Limits.MaxIdleFrames; c.mu is held.
func (c *Conn) countIdle() error {
	c.idleFrames++
	if c.idleFrames > c.lim.MaxIdleFrames {
		return ConnError{ErrCodeEnhanceYourCalm, "too many frames without a request"}
	}
	return nil
}

// countReset counts a stream the client reset before its response ended,
// or that was refused, and returns ENHANCE_YOUR_CALM past
// Limits.MaxResets (rapid reset, CVE-2023-44487); c.mu is held.
func (c *Conn) countReset() error {
	c.resets++
	if c.resets > c.lim.MaxResets {
		return ConnError{ErrCodeEnhanceYourCalm, "too many streams reset"}
	}
	return nil
}

// streamError answers a stream error with RST_STREAM; c.mu is held.
func (c *Conn) streamError(e StreamError) {
	if s := c.streams[e.StreamID]; s != nil {
		c.resetStream(s, e.Code)
		return
	}
	c.rstID(e.StreamID, e.Code)
}

// idle reports whether stream id is in the idle state: never opened
// (RFC 9113 §5.1; only clients open streams here, on odd ids).
func (c *Conn) idle(id uint32) bool { return id > c.maxClientID }

// processData takes request body bytes (RFC 9113 §6.1): the whole frame,
// padding included, counts against both receive windows.
func (c *Conn) processData(f *Frame) error {
	n := int64(f.PaddedLen)
	if n > c.recvWindow {
		return ConnError{ErrCodeFlowControl, "DATA beyond the connection's window"}
	}
	c.recvWindow -= n
	c.received(int(n))
	s := c.streams[f.StreamID]
	if s == nil {
		if c.idle(f.StreamID) {
			return ConnError{ErrCodeProtocol, "DATA on an idle stream"}
		}
		c.returnConn(int(n))
		if !c.wasReset(f.StreamID) {
			c.rstID(f.StreamID, ErrCodeStreamClosed)
		}
		return nil
	}
	if s.recvEnd {
		c.returnConn(int(n))
		c.resetStream(s, ErrCodeStreamClosed)
		return nil
	}
	if n > s.recvWindow {
		c.returnConn(int(n))
		c.resetStream(s, ErrCodeFlowControl)
		return nil
	}
	s.recvWindow -= n
	data := f.Data
	if pad := n - int64(len(data)); pad > 0 {
		c.consumed(s, pad)
	}
	s.recvd += int64(len(data))
	end := f.Flags.Has(FlagEndStream)
	if cl := s.head.contentLength; cl >= 0 && (s.recvd > cl || end && s.recvd != cl) {
		c.returnConn(len(data))
		c.resetStream(s, ErrCodeProtocol)
		return nil
	}
	if s.handlerDone {
		// The response ended: dropped (see runStream).
		s.discarded += int64(len(data))
		if s.discarded > maxDiscard {
			c.returnConn(len(data))
			c.resetStream(s, ErrCodeNo)
			return nil
		}
		c.consumed(s, int64(len(data)))
	} else if len(data) > 0 {
		s.rbuf = append(s.rbuf, data...)
		c.readBuffered += len(data)
		s.rcond.Broadcast()
	}
	if end {
		c.recvEnded(s)
	} else if len(data) == 0 {
		return c.countIdle()
	}
	return nil
}

// maxDiscard is how many request body bytes a stream takes after its
// response ended, before it is reset with NO_ERROR.
const maxDiscard = 256 << 10

// processHeaders starts a header block (RFC 9113 §6.2): a request's head
// on a new stream, or the trailers of an open one.
func (c *Conn) processHeaders(f *Frame, prioErr bool) error {
	id := f.StreamID
	if id%2 == 0 {
		return ConnError{ErrCodeProtocol, "HEADERS on an even stream"}
	}
	c.block = headerBlock{stream: id, endStream: f.Flags.Has(FlagEndStream), prioErr: prioErr, frames: 1, bytes: len(f.Data)}
	c.received(len(f.Data))
	if s := c.streams[id]; s != nil {
		c.block.kind, c.block.s = blockTrailers, s
		s.trailerBuf.reset(c.lim.MaxHeaderListSize, true)
		c.dec.begin(&s.trailerBuf)
	} else if !c.idle(id) {
		if !c.wasReset(id) {
			return ConnError{ErrCodeStreamClosed, "HEADERS on a closed stream"}
		}
		c.scratch.reset(c.lim.MaxHeaderListSize, false)
		c.dec.begin(&c.scratch)
	} else {
		c.maxClientID = id
		if c.goingAway {
			c.scratch.reset(c.lim.MaxHeaderListSize, false)
			c.dec.begin(&c.scratch) // after GOAWAY: decoded, not served
		} else {
			s := getStream(c, id)
			s.head.reset(c.lim.MaxHeaderListSize, false)
			c.block.kind, c.block.s = blockRequest, s
			c.dec.begin(&s.head)
		}
	}
	return c.blockFragment(f)
}

// processContinuation continues a header block (RFC 9113 §6.10).
func (c *Conn) processContinuation(f *Frame) error {
	if c.block.stream == 0 {
		return ConnError{ErrCodeProtocol, "CONTINUATION without HEADERS"}
	}
	c.block.frames++
	c.block.bytes += len(f.Data)
	c.received(len(f.Data))
	if c.block.frames > c.lim.MaxHeaderFrames || c.block.bytes > 4*int(c.lim.MaxHeaderListSize) {
		c.dropBlock()
		return ConnError{ErrCodeEnhanceYourCalm, "header block of too many CONTINUATION frames or bytes"}
	}
	return c.blockFragment(f)
}

// blockFragment decodes one fragment, and ends the block at END_HEADERS.
func (c *Conn) blockFragment(f *Frame) error {
	if err := c.dec.write(f.Data); err != nil {
		c.dropBlock()
		return err
	}
	if !f.Flags.Has(FlagEndHeaders) {
		if !c.block.inPieces {
			// The server waits for the rest of the block (rate.go).
			c.block.inPieces = true
			c.begin()
			c.await()
		}
		return nil
	}
	return c.endBlock()
}

// dropBlock forgets the block being received; c.mu is held.
func (c *Conn) dropBlock() {
	if c.block.kind == blockRequest {
		putStream(c.block.s)
	}
	c.blockEnded()
}

// blockEnded forgets the block, which ended or was dropped; c.mu is held.
func (c *Conn) blockEnded() {
	if c.block.inPieces {
		c.unawait()
		c.complete()
	}
	c.block = headerBlock{}
}

// endBlock acts on a complete header block; c.mu is held.
func (c *Conn) endBlock() error {
	b := c.block
	if err := c.dec.end(); err != nil {
		c.dropBlock()
		return err
	}
	c.blockEnded()
	switch b.kind {
	case blockTrailers:
		s := b.s
		t := &s.trailerBuf
		switch {
		case !s.inMap:
		case s.recvEnd:
			c.resetStream(s, ErrCodeStreamClosed)
		case !b.endStream || t.bad != "" || t.tooLarge:
			c.resetStream(s, ErrCodeProtocol)
		case s.head.contentLength >= 0 && s.recvd != s.head.contentLength:
			c.resetStream(s, ErrCodeProtocol)
		default:
			s.trailers = t.fields
			c.recvEnded(s)
		}
	case blockRequest:
		s := b.s
		switch {
		case b.prioErr || s.head.bad != "":
			putStream(s)
			c.rstID(b.stream, ErrCodeProtocol)
		case s.head.tooLarge:
			putStream(s)
			block := c.enc.encode(431, nil, 0)
			c.wbuf = AppendHeaderBlock(c.out(), b.stream, true, block, c.peerMaxFrame)
			if !b.endStream {
				c.rstID(b.stream, ErrCodeNo)
			}
			c.wakeWriter()
		case b.endStream && s.head.contentLength > 0:
			// No DATA can follow to make up the length it declared: a
			// malformed request (RFC 9113 §8.1.1).
			putStream(s)
			c.rstID(b.stream, ErrCodeProtocol)
		case c.open >= int(c.lim.MaxConcurrentStreams) || c.running-c.finishing >= int(c.lim.MaxConcurrentStreams):
			putStream(s)
			c.rstID(b.stream, ErrCodeRefusedStream)
			c.srv.refused.Add(1)
			return c.countReset()
		default:
			// Handlers whose stream ended as it should (their response
			// complete, the client free to open the next) may still be
			// finishing (the engine's access-log line): a stream past
			// them waits for one to return rather than being refused, so
			// that a client opening one stream at a time is never
			// refused, and handlers stay at most MaxConcurrentStreams.
			if c.running >= int(c.lim.MaxConcurrentStreams) {
				c.srv.deferred.Add(1)
				for c.running >= int(c.lim.MaxConcurrentStreams) {
					c.sendCond.Wait() // broadcast as each handler returns
				}
			}
			c.startStream(s, b.endStream)
		}
	}
	return nil
}

// processRSTStream ends a stream the client reset (RFC 9113 §6.4).
func (c *Conn) processRSTStream(f *Frame) error {
	s := c.streams[f.StreamID]
	if s == nil {
		if c.idle(f.StreamID) {
			return ConnError{ErrCodeProtocol, "RST_STREAM on an idle stream"}
		}
		return c.countIdle()
	}
	early := !s.sentEnd
	s.reset, s.resetCode = true, f.ErrCode
	c.closeStream(s)
	if early {
		c.srv.resets.Add(1)
		if err := c.countReset(); err != nil {
			return err
		}
	}
	return c.countIdle()
}

// processSettings applies the client's settings in order and acknowledges
// them (RFC 9113 §6.5.3).
func (c *Conn) processSettings(f *Frame) error {
	if f.Flags.Has(FlagAck) {
		return c.countIdle()
	}
	var err error
	ForEachSetting(f.Settings, func(s Setting) {
		switch s.ID {
		case SettingHeaderTableSize:
			c.enc.enc.SetMaxDynamicTableSizeLimit(s.Val)
		case SettingInitialWindowSize:
			// A change moves every open stream's window by the difference
			// (§6.9.2), which may make it negative, but not past 2^31-1.
			delta := int64(s.Val) - c.peerInitialWindow
			c.peerInitialWindow = int64(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
				if st.sendWindow > maxWindow {
					err = ConnError{ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE change overflows a window"}
				}
			}
			c.sendCond.Broadcast()
		case SettingMaxFrameSize:
			c.peerMaxFrame = s.Val
		}
	})
	if err != nil {
		return err
	}
	c.wbuf = AppendSettingsAck(c.out())
	c.wakeWriter()
	return c.countIdle()
}

// processWindowUpdate widens a send window (RFC 9113 §6.9).
func (c *Conn) processWindowUpdate(f *Frame) error {
	if f.StreamID == 0 {
		c.sendWindow += int64(f.Increment)
		if c.sendWindow > maxWindow {
			return ConnError{ErrCodeFlowControl, "connection window above 2^31-1"}
		}
		c.sendCond.Broadcast()
		return c.countIdle()
	}
	s := c.streams[f.StreamID]
	if s == nil {
		if c.idle(f.StreamID) {
			return ConnError{ErrCodeProtocol, "WINDOW_UPDATE on an idle stream"}
		}
		return c.countIdle()
	}
	s.sendWindow += int64(f.Increment)
	if s.sendWindow > maxWindow {
		c.resetStream(s, ErrCodeFlowControl)
	}
	c.sendCond.Broadcast()
	return c.countIdle()
}
