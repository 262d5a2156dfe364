"""A hub with `--auth lti13` starts and answers the URLs an LMS is given (no LMS exists here): the
tool's configuration, and the login initiation, which sends the browser to the LMS's
authorisation endpoint with the lab's callback."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from simulator.hub.roles import LTI_ROLES_CLAIM, groups_of_lti_roles, lti_groups_hook

from .conftest import Hub, running_hub

pytestmark = pytest.mark.slow

ISSUER = "https://lms.example.org"
AUTHORIZE = "https://lms.example.org/mod/lti/auth.php"
CLIENT = "roleplay-lab-client"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def lti_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    work = tmp_path_factory.mktemp("lti")
    lti = ["--lti-issuer", ISSUER, "--lti-client-id", CLIENT, "--lti-authorize-url", AUTHORIZE]
    lti += ["--lti-jwks-url", f"{ISSUER}/mod/lti/certs.php", "--auth", "lti13", "--admin", "teacher"]
    with running_hub(work, str(work / "results.sqlite"), *lti) as running:
        yield running


def test_the_tool_configuration_names_the_login_initiation_and_the_lab(lti_hub):
    with urllib.request.urlopen(lti_hub.url + "hub/lti13/config", timeout=10) as response:
        config = json.loads(response.read())
    assert config["title"] == "Role-play lab"
    assert config["oidc_initiation_url"] == lti_hub.url + "hub/lti13/oauth_login"
    assert config["target_link_uri"] == lti_hub.url.rstrip("/")


def test_the_login_initiation_sends_the_browser_to_the_lms(lti_hub):
    query = urllib.parse.urlencode(
        {"iss": ISSUER, "login_hint": "student-1", "target_link_uri": lti_hub.url + "hub/", "client_id": CLIENT}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(f"{lti_hub.url}hub/lti13/oauth_login?{query}", timeout=10)
    assert redirected.value.code == 302
    location = redirected.value.headers["Location"]
    redirected.value.close()
    target, params = location.split("?", 1)
    params = dict(urllib.parse.parse_qsl(params))
    assert target == AUTHORIZE
    assert params["client_id"] == CLIENT and params["login_hint"] == "student-1"
    assert params["redirect_uri"] == lti_hub.url + "hub/lti13/oauth_callback"
    assert params["response_type"] == "id_token" and params["scope"] == "openid"
    assert params["state"] and params["nonce"]


def test_a_login_initiation_without_its_arguments_is_refused(lti_hub):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(lti_hub.url + "hub/lti13/oauth_login", timeout=10)
    assert refused.value.code == 400
    refused.value.close()


def test_lms_roles_become_the_labs_groups():
    membership = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
    assert groups_of_lti_roles({LTI_ROLES_CLAIM: [membership + "Learner"]}) == ["trainees"]
    assert groups_of_lti_roles({LTI_ROLES_CLAIM: [membership + "Instructor"]}) == ["trainers"]
    both = [
        membership + "Instructor",
        membership + "Mentor",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#User",
    ]
    assert groups_of_lti_roles({LTI_ROLES_CLAIM: both}) == ["reviewers", "trainers"]
    assert groups_of_lti_roles({}) == ["trainees"]  # no role claimed: a trainee
    model = lti_groups_hook(None, None, {"name": "ewa", "auth_state": {LTI_ROLES_CLAIM: [membership + "Learner"]}})
    assert model == {"name": "ewa", "auth_state": {LTI_ROLES_CLAIM: [membership + "Learner"]}, "groups": ["trainees"]}
