package hub

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// The hub's certificate and key, in its data folder. The certificate is
// self-signed: clients trust it by its pin, not through a CA.
const (
	certFile = "hub.crt"
	keyFile  = "hub.key"
)

// LoadOrCreateCertificate returns the hub's certificate and its pin,
// creating an ECDSA P-256 pair on first use. hosts are written into the
// certificate's names for tools that look; clients check the pin only.
func LoadOrCreateCertificate(dir string, hosts ...string) (tls.Certificate, string, error) {
	certPath, keyPath := filepath.Join(dir, certFile), filepath.Join(dir, keyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil {
		return cert, wire.Pin(cert.Certificate[0]), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, "", app.Errorf(app.ECORRUPT, "cannot read the hub's certificate %s and key %s: %v; move them away to make new ones (clients must then confirm the new pin)", certPath, keyPath, err)
	}
	if _, statErr := os.Stat(certPath); statErr == nil {
		return tls.Certificate{}, "", app.Errorf(app.ECORRUPT, "%s exists but %s does not; restore the key or move the certificate away", certPath, keyPath)
	}
	if err := createCertificate(certPath, keyPath, hosts); err != nil {
		return tls.Certificate{}, "", app.Errorf(app.EINTERNAL, "cannot create the hub's certificate in %s: %v", dir, err)
	}
	cert, err = tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	return cert, wire.Pin(cert.Certificate[0]), nil
}

// CertificatePin returns the pin of the certificate in dir, for
// `dutyhub pin`. ENOTFOUND before the hub's first start.
func CertificatePin(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, certFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", app.Errorf(app.ENOTFOUND, "%s has no certificate yet; start the hub once to create it", dir)
	} else if err != nil {
		return "", err
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", app.Errorf(app.ECORRUPT, "%s is not a PEM certificate", filepath.Join(dir, certFile))
	}
	return wire.Pin(block.Bytes), nil
}

func createCertificate(certPath, keyPath string, hosts []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "dutyhub", Organization: []string{"DutyRoom"}},
		NotBefore:    now.Add(-time.Hour),
		// Long: clients pin this certificate, and replacing it means every
		// duty room confirming a new pin.
		NotAfter:    now.AddDate(20, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if name, err := os.Hostname(); err == nil && name != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, name)
	}
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	// The key first: a certificate without its key would block the next
	// start, a key without a certificate is simply made again.
	if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})); err != nil {
		return err
	}
	return writeFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
