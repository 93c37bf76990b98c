package httpserver

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// certStore holds the certificate in force and loads it again when its
// files change. The files are polled (size, modification time, and
// identity: os.SameFile) rather than watched with fsnotify: a poll sees a
// file replaced by rename, a symlink swapped (Kubernetes secrets,
// certbot's live/ folder) and a folder recreated alike, with no watch to
// re-arm, and costs two stats per interval.
type certStore struct {
	certFile, keyFile string
	log               *slog.Logger

	cur atomic.Pointer[tls.Certificate] // what a new connection gets

	mu   sync.Mutex     // one load at a time; guards seen
	seen [2]fs.FileInfo // the two files as the last load found them

	quit chan struct{} // closed by stop
	once sync.Once
	done chan struct{} // closed when the watch has ended; nil without one
}

// newCertStore loads the pair, and returns the error that names the file
// at fault if it cannot.
func newCertStore(certFile, keyFile string, log *slog.Logger) (*certStore, error) {
	c := &certStore{certFile: certFile, keyFile: keyFile, log: log, quit: make(chan struct{})}
	c.seen = c.stat()
	cert, err := loadPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	c.cur.Store(cert)
	return c, nil
}

// get is tls.Config.GetCertificate: the certificate in force.
func (c *certStore) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cur.Load(), nil }

// reload loads the pair again; on success the certificate in force is the
// new one, on failure the old one stays and the error is logged and
// returned. why says what asked for it, for the log.
func (c *certStore) reload(why string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = c.stat()
	cert, err := loadPair(c.certFile, c.keyFile)
	if err != nil {
		c.log.Error("TLS certificate not reloaded; keeping the one in force", "cause", why, keyErr, err)
		return err
	}
	c.cur.Store(cert)
	c.log.Info("TLS certificate reloaded", "cause", why, "cert", c.certFile,
		"serial", cert.Leaf.SerialNumber.String(), "not_after", cert.Leaf.NotAfter)
	return nil
}

// stat returns what the two files are now; nil for one that cannot be
// stat'ed.
func (c *certStore) stat() [2]fs.FileInfo {
	var fi [2]fs.FileInfo
	fi[0], _ = os.Stat(c.certFile)
	fi[1], _ = os.Stat(c.keyFile)
	return fi
}

// changed reports whether the files differ from what the last load found.
func (c *certStore) changed() bool {
	now := c.stat()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range now {
		a, b := c.seen[i], now[i]
		if (a == nil) != (b == nil) {
			return true
		}
		if a != nil && (!os.SameFile(a, b) || a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime())) {
			return true
		}
	}
	return false
}

// watch polls the files every interval until stop, and reloads the pair
// when they changed. A pair half replaced (the new certificate beside the
// old key) fails to load and is tried again when the other file changes.
func (c *certStore) watch(interval time.Duration) {
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-c.quit:
				return
			case <-t.C:
				if c.changed() {
					c.reload("files changed")
				}
			}
		}
	}()
}

// stop ends the watch and waits for it.
func (c *certStore) stop() {
	c.once.Do(func() { close(c.quit) })
	if c.done != nil {
		<-c.done
	}
}

// loadPair loads a certificate chain and its key from PEM files. Its
// errors name the file at fault: the certificate's when it is missing or
// holds no certificate that parses, the key's when it is missing or does
// not parse, both when they do not belong together.
func loadPair(certFile, keyFile string) (*tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("httpserver: TLS needs a certificate file and a key file (cert %q, key %q)", certFile, keyFile)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("httpserver: TLS certificate: %w", err) // *PathError names the file
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("httpserver: TLS key: %w", err)
	}
	if err := checkCertPEM(certPEM); err != nil {
		return nil, fmt.Errorf("httpserver: TLS certificate %s: %w", certFile, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// The certificate parsed: what failed is the key, or the pair.
		return nil, fmt.Errorf("httpserver: TLS key %s (for certificate %s): %w", keyFile, certFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("httpserver: TLS certificate %s: %w", certFile, err)
		}
	}
	return &cert, nil
}

// checkCertPEM reports an error unless the first CERTIFICATE block of the
// PEM text b parses: the errors tls.X509KeyPair gives do not say which of
// its two inputs was at fault.
func checkCertPEM(b []byte) error {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return errors.New("no PEM CERTIFICATE block")
		}
		if block.Type == "CERTIFICATE" {
			_, err := x509.ParseCertificate(block.Bytes)
			return err
		}
	}
}
