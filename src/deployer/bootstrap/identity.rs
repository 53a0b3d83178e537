//! The bootstrap's identity module: one user-assigned identity with one federated
//! credential, for one GitHub environment of one repository.

use super::{GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE};
use crate::bicep::{
    self, Expr, File, Item, Param, Resource, StatementKind, StrPart, Type, interp, obj, text,
};
use crate::catalog::types;

/// One identity and its federated credential for one GitHub environment.
pub(super) fn identity_module(header: &str) -> File {
    let mut file = File::new(header);
    for (name, description) in [
        ("name", "The identity's name."),
        ("location", "Its region."),
        ("githubOrganization", "The repository's owner."),
        ("githubRepository", "The repository's name."),
        (
            "environmentName",
            "The GitHub environment whose jobs sign in as it.",
        ),
    ] {
        file.push(Param::new(name, Type::String).description(description));
    }
    file.push(Param::new("tags", Type::Object).description("Tags."));
    file.push(
        Resource::new(
            "identity",
            types::USER_ASSIGNED_IDENTITY.name,
            types::USER_ASSIGNED_IDENTITY.api_version,
        )
        .prop("name", Expr::ident("name"))
        .prop("location", Expr::ident("location"))
        .prop("tags", Expr::ident("tags")),
    );
    file.push(
        bicep::Statement::from(
            Resource::new(
                "githubEnvironment",
                types::FEDERATED_IDENTITY_CREDENTIAL.name,
                types::FEDERATED_IDENTITY_CREDENTIAL.api_version,
            )
            .prop("parent", Expr::ident("identity"))
            .prop(
                "name",
                Expr::interp([text("github-"), interp(Expr::ident("environmentName"))]),
            )
            .prop(
                "properties",
                obj([
                    ("issuer", GITHUB_ISSUER.into()),
                    ("subject", Expr::interp(github_subject())),
                    (
                        "audiences",
                        Expr::array([Item::from(Expr::str(TOKEN_EXCHANGE_AUDIENCE))]),
                    ),
                ]),
            ),
        )
        .with_comment("A job that names a GitHub environment gets `sub` = repo:<organisation>/<repository>:environment:<environment>")
        .with_comment("(docs.github.com/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect);")
        .with_comment("Entra accepts the token only when issuer, subject and audience match exactly. One credential per identity:")
        .with_comment("concurrent credential writes on one identity fail (Azure/bicep-registry-modules#1447)."),
    );
    for (name, member) in [("principalId", "principalId"), ("clientId", "clientId")] {
        file.push(StatementKind::Output {
            name: name.into(),
            ty: Type::String,
            value: Expr::path(&format!("identity.properties.{member}")),
        });
    }
    file
}

/// `repo:<organisation>/<repository>:environment:<environment>`, from the module's params.
fn github_subject() -> Vec<StrPart> {
    vec![
        text("repo:"),
        interp(Expr::ident("githubOrganization")),
        text("/"),
        interp(Expr::ident("githubRepository")),
        text(":environment:"),
        interp(Expr::ident("environmentName")),
    ]
}
