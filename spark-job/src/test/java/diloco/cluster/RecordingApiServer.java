package diloco.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A Kubernetes API server on 127.0.0.1 for a real {@code spark-submit --master k8s://...}: fabric8's
 * mock server in CRUD mode (it stores what is created, as an API server does), which records every
 * request it is sent, so a test can assert on exactly what Spark asked Kubernetes to run.
 *
 * <p>Spark 4 creates the driver's Service and ConfigMap with server-side apply (a PATCH with
 * {@code Content-Type: application/apply-patch+yaml}), which the CRUD mock answers with 415. Here
 * such a PATCH is accepted and answered as an API server answers a first apply: 200 with the
 * applied object. Nothing else is stubbed.
 */
final class RecordingApiServer implements AutoCloseable {
    /** One request as the server received it, and the status it answered with. */
    record Request(String method, String path, String contentType, String body, int status) {
        /** The path without its query string. */
        String resourcePath() {
            int q = path.indexOf('?');
            return q < 0 ? path : path.substring(0, q);
        }

        @Override
        public String toString() {
            return method + " " + path + " -> " + status;
        }
    }

    static final String APPLY_PATCH = "application/apply-patch+yaml";

    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final KubernetesMockServer server;

    private RecordingApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Recording(), false);
    }

    /** Starts a server on a free port of 127.0.0.1. */
    static RecordingApiServer start() throws Exception {
        RecordingApiServer s = new RecordingApiServer();
        s.server.init(InetAddress.getByName("127.0.0.1"), 0);
        return s;
    }

    /** The server's URL, {@code http://127.0.0.1:PORT}: what a user puts in K8S_MASTER for a plain-HTTP API server. */
    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Every request received so far, in order. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests received so far with this method whose path (without query) is {@code path}. */
    List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.resourcePath().equals(path))
                .collect(Collectors.toList());
    }

    /** A request body as the Kubernetes object it holds (JSON or YAML). */
    <T extends HasMetadata> T object(Request r, Class<T> type) {
        return serialization.unmarshal(r.body(), type);
    }

    @Override
    public void close() {
        server.destroy();
    }

    /** The CRUD dispatcher, recording every request and accepting server-side apply. */
    private final class Recording extends KubernetesCrudDispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String contentType = request.getHeader("Content-Type");
            // getBytes() leaves the body for the CRUD handlers, which read it (getUtf8Body() would consume it)
            String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
            MockResponse response = "PATCH".equals(request.getMethod()) && contentType != null
                    && contentType.startsWith(APPLY_PATCH)
                    ? new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                            .setBody(serialization.asJson(serialization.unmarshal(body, HasMetadata.class)))
                    : super.dispatch(request);
            requests.add(new Request(request.getMethod(), request.getPath(), contentType, body, response.code()));
            return response;
        }
    }
}
