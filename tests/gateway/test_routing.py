import pytest

from course.gateway import Route, RouteTable, split_path


@pytest.fixture
def table():
    return RouteTable(
        [
            Route("/*", "fallback-service"),
            Route("/users/*", "legacy-users"),
            Route("/users/{id}", "users-service", methods=("GET", "DELETE")),
            Route("/users/me", "profile-service"),
            Route("/users/{id}/orders", "orders-service"),
            Route("/static/*", "static-service", methods=("GET", "HEAD")),
        ]
    )


def test_get_users_123_goes_to_the_users_service_with_its_id(table):
    match = table.match("GET", "/users/123")
    assert (match.service, match.params, match.route.pattern) == ("users-service", {"id": "123"}, "/users/{id}")


def test_precedence_literal_beats_parameter_beats_prefix(table):
    assert table.match("GET", "/users/me").service == "profile-service"  # literal over {id}
    assert table.match("GET", "/users/7").service == "users-service"  # {id} over /users/*
    assert table.match("GET", "/users/7/cart").service == "legacy-users"  # only the prefix fits
    assert table.match("GET", "/users/7/orders").service == "orders-service"  # exact over prefix
    assert table.match("GET", "/static/css/a.css").service == "static-service"  # longer prefix over /*
    assert table.match("GET", "/anything/else").service == "fallback-service"


def test_the_first_difference_from_the_left_decides():
    table = RouteTable([Route("/api/*", "api-prefix"), Route("/{version}/users", "versioned")])
    assert table.match("GET", "/api/users").service == "api-prefix"  # 'api' (literal) beats {version}
    assert table.match("GET", "/v2/users").service == "versioned"


def test_the_order_routes_are_given_in_does_not_matter(table):
    reordered = RouteTable(list(reversed(table.routes)))
    for path in ("/users/me", "/users/7", "/users/7/cart", "/static/x", "/zzz"):
        assert reordered.match("GET", path) == table.match("GET", path)


def test_a_prefix_route_matches_its_own_path_and_below_but_not_lookalikes():
    route = Route("/static/*", "static-service")
    assert route.match("/static") == {} and route.match("/static/a/b") == {}
    assert route.match("/staticky") is None


def test_query_strings_and_trailing_slashes_do_not_change_the_route(table):
    assert table.match("GET", "/users/123/?page=2").params == {"id": "123"}
    assert split_path("//users//1") == ["users", "1"]


def test_404_for_no_route_and_405_for_a_method_no_route_takes():
    table = RouteTable([Route("/users/{id}", "users-service"), Route("/orders", "orders-service", methods="POST")])
    assert table.match("GET", "/products/1") is None and table.status("GET", "/products/1") == 404
    assert table.match("GET", "/orders") is None and table.status("GET", "/orders") == 405
    assert table.allowed_methods("/orders") == ["POST"]
    assert table.status("post", "/orders") == 200


def test_the_method_picks_among_routes_of_one_shape():
    table = RouteTable([Route("/users/{id}", "users-service"), Route("/users/{id}", "admin-service", methods="DELETE")])
    assert table.match("GET", "/users/1").service == "users-service"
    assert table.match("DELETE", "/users/1").service == "admin-service"


def test_a_more_specific_route_without_the_method_falls_back_to_a_general_one(table):
    assert table.match("DELETE", "/users/me").service == "users-service"


def test_returned_params_are_a_fresh_dict_each_time(table):
    table.match("GET", "/users/1").params["id"] = "hacked"
    assert table.match("GET", "/users/1").params == {"id": "1"}


def test_routes_and_tables_print_readably(table):
    assert repr(Route("/users/{id}", "users-service")) == "Route(GET /users/{id} -> users-service)"
    text = repr(table)
    assert text.splitlines()[0] == "RouteTable(6 routes, most specific first)"
    assert text.splitlines()[1].split() == ["GET", "/users/me", "->", "profile-service"]
    assert text.splitlines()[-1].split() == ["GET", "/*", "->", "fallback-service"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("/users/{id}", ""), "service must name where route '/users/{id}' sends requests"),
        (("/users/{id}", None), "service must name where route"),
        (("/users/{", "users-service"), "malformed route pattern '/users/{'"),
        (("/users/{}", "users-service"), "malformed route pattern"),
        (("/users/{1d}", "users-service"), "needs a name like {id}"),
        (("/users/x{id}", "users-service"), "must be plain text, a whole parameter"),
        (("/a/{x}/{x}", "s"), r"parameter \{x\} appears twice"),
        (("/static/*/x", "s"), "'\\*' may only be the last segment"),
        (("users", "s"), "pattern must be a path starting with '/'"),
    ],
)
def test_bad_routes_are_refused_with_the_fix(args, message):
    with pytest.raises(ValueError, match=message):
        Route(*args)


def test_bad_methods_are_refused():
    with pytest.raises(ValueError, match="methods must be one of 'GET', 'HEAD'"):
        Route("/x", "s", methods=("FETCH",))


def test_duplicate_routes_are_refused():
    with pytest.raises(ValueError, match="duplicate routes for GET"):
        RouteTable([Route("/users/{id}", "users-service"), Route("/users/{name}", "people-service")])
    with pytest.raises(ValueError, match="routes must hold Route values or"):
        RouteTable(["/users"])
    with pytest.raises(ValueError, match="routes must be a list of Route"):
        RouteTable(Route("/users", "s"))


def test_routes_can_be_given_as_pairs():
    assert RouteTable([("/users/{id}", "users-service")]).match("GET", "/users/9").service == "users-service"
