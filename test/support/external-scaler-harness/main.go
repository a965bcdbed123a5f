// A minimal KEDA external scaler for Updraft's tests: a gRPC server built on KEDA's own generated protocol package
// (github.com/kedacore/keda/v2/pkg/scalers/externalscaler, from the Go module proxy) and grpc-go, so the client
// under test talks to the reference server stack. It exists because no standalone external scaler could be built
// here (the module proxy refuses the published ones); see docs/scalers.md, "external".
//
// Per ScaledObjectRef.scalerMetadata:
//   key        which value to serve (required; one not set through the control API is NotFound)
//   metricName the metric's name in GetMetricSpec (default "harness-<key>")
//   target     targetSizeFloat (default 10); targetSize sets the deprecated int64 field instead
//   activation IsActive is value > activation (default 0)
//   apiKey     must equal -api-key when that flag is set (else Unauthenticated)
//
// Control API (HTTP on -control): POST /value?key=k&value=v[&push=1], POST /push?key=k&active=true|false,
// GET /stats (JSON: connections accepted and open, open streams, calls per method).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	pb "github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

type harness struct {
	pb.UnimplementedExternalScalerServer
	apiKey string

	mu      sync.Mutex
	values  map[string]float64
	streams map[string]map[chan bool]struct{}

	calls      sync.Map // method -> *int64
	accepted   atomic.Int64
	open       atomic.Int64
	openStream atomic.Int64
}

func (h *harness) count(method string) {
	v, _ := h.calls.LoadOrStore(method, new(int64))
	atomic.AddInt64(v.(*int64), 1)
}

type ref struct {
	key, metricName string
	target          float64
	targetInt       int64
	activation      float64
}

func (h *harness) parse(r *pb.ScaledObjectRef) (ref, error) {
	md := r.GetScalerMetadata()
	if h.apiKey != "" && md["apiKey"] != h.apiKey {
		return ref{}, status.Error(codes.Unauthenticated, "apiKey is not valid")
	}
	out := ref{key: md["key"], metricName: md["metricName"], target: 10}
	if out.key == "" {
		return out, status.Error(codes.InvalidArgument, "scalerMetadata.key is required")
	}
	if out.metricName == "" {
		out.metricName = "harness-" + out.key
	}
	if s := md["target"]; s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return out, status.Errorf(codes.InvalidArgument, "target %q is not a number", s)
		}
		out.target = f
	}
	if s := md["targetSize"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return out, status.Errorf(codes.InvalidArgument, "targetSize %q is not an integer", s)
		}
		out.targetInt, out.target = n, 0
	}
	if s := md["activation"]; s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return out, status.Errorf(codes.InvalidArgument, "activation %q is not a number", s)
		}
		out.activation = f
	}
	return out, nil
}

func (h *harness) value(key string) (float64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.values[key]
	if !ok {
		return 0, status.Errorf(codes.NotFound, "no value for key %q", key)
	}
	return v, nil
}

func (h *harness) IsActive(_ context.Context, r *pb.ScaledObjectRef) (*pb.IsActiveResponse, error) {
	h.count("IsActive")
	p, err := h.parse(r)
	if err != nil {
		return nil, err
	}
	v, err := h.value(p.key)
	if err != nil {
		return nil, err
	}
	return &pb.IsActiveResponse{Result: v > p.activation}, nil
}

func (h *harness) GetMetricSpec(_ context.Context, r *pb.ScaledObjectRef) (*pb.GetMetricSpecResponse, error) {
	h.count("GetMetricSpec")
	p, err := h.parse(r)
	if err != nil {
		return nil, err
	}
	return &pb.GetMetricSpecResponse{MetricSpecs: []*pb.MetricSpec{{MetricName: p.metricName, TargetSize: p.targetInt, TargetSizeFloat: p.target}}}, nil
}

func (h *harness) GetMetrics(_ context.Context, req *pb.GetMetricsRequest) (*pb.GetMetricsResponse, error) {
	h.count("GetMetrics")
	p, err := h.parse(req.GetScaledObjectRef())
	if err != nil {
		return nil, err
	}
	if req.GetMetricName() != p.metricName {
		return nil, status.Errorf(codes.NotFound, "no metric %q (this object's metric is %q)", req.GetMetricName(), p.metricName)
	}
	v, err := h.value(p.key)
	if err != nil {
		return nil, err
	}
	return &pb.GetMetricsResponse{MetricValues: []*pb.MetricValue{{MetricName: p.metricName, MetricValue: int64(v), MetricValueFloat: v}}}, nil
}

func (h *harness) StreamIsActive(r *pb.ScaledObjectRef, srv pb.ExternalScaler_StreamIsActiveServer) error {
	h.count("StreamIsActive")
	p, err := h.parse(r)
	if err != nil {
		return err
	}
	ch := make(chan bool, 64)
	h.mu.Lock()
	if h.streams[p.key] == nil {
		h.streams[p.key] = map[chan bool]struct{}{}
	}
	h.streams[p.key][ch] = struct{}{}
	v, known := h.values[p.key]
	h.mu.Unlock()
	h.openStream.Add(1)
	defer func() {
		h.mu.Lock()
		delete(h.streams[p.key], ch)
		h.mu.Unlock()
		h.openStream.Add(-1)
	}()
	// As KEDA asks of push scalers: the current state at once, then every change.
	if known {
		if err := srv.Send(&pb.IsActiveResponse{Result: v > p.activation}); err != nil {
			return err
		}
	}
	for {
		select {
		case <-srv.Context().Done():
			return nil
		case active := <-ch:
			if err := srv.Send(&pb.IsActiveResponse{Result: active}); err != nil {
				return err
			}
		}
	}
}

func (h *harness) push(key string, active bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for ch := range h.streams[key] {
		select {
		case ch <- active:
			n++
		default:
		}
	}
	return n
}

type countingListener struct {
	net.Listener
	h *harness
}

type countedConn struct {
	net.Conn
	once sync.Once
	h    *harness
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.h.open.Add(-1) })
	return c.Conn.Close()
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.h.accepted.Add(1)
	l.h.open.Add(1)
	return &countedConn{Conn: c, h: l.h}, nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "gRPC address")
	control := flag.String("control", "127.0.0.1:0", "control HTTP address")
	certFile := flag.String("tls-cert", "", "server certificate (PEM); enables TLS")
	keyFile := flag.String("tls-key", "", "server key (PEM)")
	clientCA := flag.String("client-ca", "", "CA of required client certificates (mTLS)")
	apiKey := flag.String("api-key", "", "scalerMetadata.apiKey every call must carry")
	flag.Parse()

	h := &harness{apiKey: *apiKey, values: map[string]float64{}, streams: map[string]map[chan bool]struct{}{}}
	var opts []grpc.ServerOption
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if *clientCA != "" {
			pem, err := os.ReadFile(*clientCA)
			if err != nil {
				log.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			cfg.ClientCAs = pool
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg)))
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterExternalScalerServer(srv, h)
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	ctl, err := net.Listen("tcp", *control)
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /value", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("key")
		v, err := strconv.ParseFloat(r.URL.Query().Get("value"), 64)
		if key == "" || err != nil {
			http.Error(w, "key and a numeric value are required", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.values[key] = v
		h.mu.Unlock()
		n := 0
		if r.URL.Query().Get("push") == "1" {
			n = h.push(key, v > 0)
		}
		fmt.Fprintf(w, "%d\n", n)
	})
	mux.HandleFunc("POST /push", func(w http.ResponseWriter, r *http.Request) {
		active, err := strconv.ParseBool(r.URL.Query().Get("active"))
		if err != nil {
			http.Error(w, "active must be true or false", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d\n", h.push(r.URL.Query().Get("key"), active))
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		calls := map[string]int64{}
		h.calls.Range(func(k, v any) bool {
			calls[k.(string)] = atomic.LoadInt64(v.(*int64))
			return true
		})
		_ = json.NewEncoder(w).Encode(map[string]any{
			"connections": h.accepted.Load(), "open": h.open.Load(), "streams": h.openStream.Load(), "calls": calls,
		})
	})
	go func() { log.Fatal(http.Serve(ctl, mux)) }()

	// The lines the test helper waits for.
	fmt.Printf("grpc %s\ncontrol %s\n", lis.Addr(), ctl.Addr())
	if err := srv.Serve(countingListener{Listener: lis, h: h}); err != nil {
		log.Fatal(err)
	}
}
