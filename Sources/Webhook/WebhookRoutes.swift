// OWNER: server helper. Placeholder: wires Admission endpoints onto HTTPServer routes.
import Admission
import HTTPServer
