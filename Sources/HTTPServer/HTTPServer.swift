// OWNER: server helper. Placeholder so the module builds.
public enum HTTPServerModule {}
