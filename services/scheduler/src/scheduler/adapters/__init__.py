"""Tables, repositories and the zoom-gateway client."""
