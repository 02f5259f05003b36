// The HTTPServer module: raw-socket HTTP/1.1 over TLS (OpenSSL) on an epoll event loop.
// Entry point: `Server` (Server.swift). Knows nothing of Ray or Kubernetes.
package enum HTTPServerModule {}
