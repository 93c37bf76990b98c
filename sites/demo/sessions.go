package demo

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// sessionLifetime is how long a login lasts.
const sessionLifetime = time.Hour

// maxSessions bounds the sessions held; past it the oldest go first.
const maxSessions = 10000

// sessions holds the signed-in users by session id, in memory: a restart
// signs everyone out, which is what a demo wants.
type sessions struct {
	mu sync.Mutex
	m  map[string]session
}

type session struct {
	user    string
	expires time.Time
}

func newSessions() *sessions { return &sessions{m: map[string]session{}} }

// start signs user in and returns the new session's id: 128 random bits
// in hex, unguessable.
func (s *sessions) start(user string, now time.Time) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSessions {
		s.prune(now)
	}
	s.m[id] = session{user: user, expires: now.Add(sessionLifetime)}
	return id, nil
}

// prune drops the expired sessions, and the oldest until there is room.
func (s *sessions) prune(now time.Time) {
	for id, se := range s.m {
		if !now.Before(se.expires) {
			delete(s.m, id)
		}
	}
	for len(s.m) >= maxSessions {
		var oldest string
		for id, se := range s.m {
			if oldest == "" || se.expires.Before(s.m[oldest].expires) {
				oldest = id
			}
		}
		delete(s.m, oldest)
	}
}

// user returns the user of session id, or "" when it is unknown or over.
func (s *sessions) user(id string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[id]
	if !ok {
		return ""
	}
	if !now.Before(se.expires) {
		delete(s.m, id)
		return ""
	}
	return se.user
}

// end signs session id out.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}
