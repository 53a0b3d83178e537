//! Cloud-specific host names in string literals, written through `environment()` so the
//! same template deploys to every Azure cloud. Bicep's `no-hardcoded-env-urls` rule (which
//! the generated `bicepconfig.json` raises to `error`) rejects them as literals.

/// A host the linter's default `disallowedhosts` list names, and the expression that yields
/// it in the cloud being deployed to. Values of `environment()` as documented for the public
/// cloud (MicrosoftDocs azure-docs `azure-resource-manager/bicep/bicep-functions-deployment.md`,
/// environment example): `suffixes.storage` = `core.windows.net`, `suffixes.sqlServerHostname`
/// = `.database.windows.net`, `suffixes.keyvaultDns` = `.vault.azure.net`, and the endpoint
/// URLs `https://<host>/`, whose host is the third `/`-separated part.
struct CloudHost {
    host: &'static str,
    /// The expression for the host when a `.` precedes it (the suffix includes the dot).
    after_dot: Option<&'static str>,
    /// The expression for the host on its own.
    alone: &'static str,
}

/// Longer hosts first, so `batch.core.windows.net` is not read as `batch.` + storage.
/// The list is the linter's default (Azure/bicep `NoHardcodedEnvironmentUrlsRule`, and
/// `../shared/validators/bicep_lint.py`).
const CLOUD_HOSTS: &[CloudHost] = &[
    CloudHost {
        host: "management.core.windows.net",
        after_dot: None,
        alone: "split(environment().management, '/')[2]",
    },
    CloudHost {
        host: "batch.core.windows.net",
        after_dot: None,
        alone: "split(environment().batch, '/')[2]",
    },
    CloudHost {
        host: "core.windows.net",
        after_dot: None,
        alone: "environment().suffixes.storage",
    },
    CloudHost {
        host: "database.windows.net",
        after_dot: Some("environment().suffixes.sqlServerHostname"),
        alone: "substring(environment().suffixes.sqlServerHostname, 1)",
    },
    CloudHost {
        host: "vault.azure.net",
        after_dot: Some("environment().suffixes.keyvaultDns"),
        alone: "substring(environment().suffixes.keyvaultDns, 1)",
    },
    CloudHost {
        host: "login.microsoftonline.com",
        after_dot: None,
        alone: "split(environment().authentication.loginEndpoint, '/')[2]",
    },
    CloudHost {
        host: "management.azure.com",
        after_dot: None,
        alone: "split(environment().resourceManager, '/')[2]",
    },
    CloudHost {
        host: "graph.windows.net",
        after_dot: None,
        alone: "split(environment().graph, '/')[2]",
    },
    CloudHost {
        host: "gallery.azure.com",
        after_dot: None,
        alone: "split(environment().gallery, '/')[2]",
    },
    CloudHost {
        host: "datalake.azure.net",
        after_dot: None,
        alone: "split(environment().activeDirectoryDataLake, '/')[2]",
    },
    CloudHost {
        host: "azuredatalakestore.net",
        after_dot: None,
        alone: "environment().suffixes.azureDatalakeStoreFileSystem",
    },
    CloudHost {
        host: "azuredatalakeanalytics.net",
        after_dot: None,
        alone: "environment().suffixes.azureDatalakeAnalyticsCatalogAndJob",
    },
];

/// Hosts the linter never flags (its default `excludedhosts`).
const EXCLUDED_HOSTS: &[&str] = &["schema.management.azure.com"];

/// Bytes a cloud or excluded host may start with, in either case (every host starts with an
/// ASCII letter, so such a byte is a char boundary).
const MAY_START_HOST: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < CLOUD_HOSTS.len() {
        let first = CLOUD_HOSTS[i].host.as_bytes()[0];
        table[first.to_ascii_lowercase() as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    let mut i = 0;
    while i < EXCLUDED_HOSTS.len() {
        let first = EXCLUDED_HOSTS[i].as_bytes()[0];
        table[first.to_ascii_lowercase() as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

#[derive(Debug, PartialEq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    /// A Bicep expression to interpolate in place of the host.
    Host(&'static str),
}

/// `text` cut into literal pieces and cloud hosts, handed to `piece` in order. A host counts
/// where the linter sees it: matched without case and not inside a longer word (no letter or
/// digit on either side). Called for every literal printed, so it allocates nothing.
pub(crate) fn for_each_piece<'a>(text: &'a str, mut piece: impl FnMut(Piece<'a>)) {
    // Every host has a dot: most literals (names, locations, SKUs) have none.
    if !text.contains('.') {
        piece(Piece::Text(text));
        return;
    }
    let mut literal_from = 0;
    let mut at = 0;
    let mut any = false;
    while at < text.len() {
        // Only where a host's first letter stands can one begin: elsewhere (most bytes) the
        // word-start and host checks below would fail, and are skipped.
        if !MAY_START_HOST[usize::from(text.as_bytes()[at])] {
            at += 1;
            continue;
        }
        let starts_word = !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        if !starts_word {
            at += 1;
            continue;
        }
        if let Some(host) = EXCLUDED_HOSTS
            .iter()
            .find(|host| whole_word(text, at, host))
        {
            at += host.len();
            continue;
        }
        match CLOUD_HOSTS
            .iter()
            .find(|cloud| whole_word(text, at, cloud.host))
        {
            Some(cloud) => {
                let dotted = cloud
                    .after_dot
                    .filter(|_| at > literal_from && text[..at].ends_with('.'));
                let literal_to = if dotted.is_some() { at - 1 } else { at };
                if literal_to > literal_from {
                    piece(Piece::Text(&text[literal_from..literal_to]));
                }
                piece(Piece::Host(dotted.unwrap_or(cloud.alone)));
                any = true;
                at += cloud.host.len();
                literal_from = at;
            }
            None => at += 1,
        }
    }
    if literal_from < text.len() || !any {
        piece(Piece::Text(&text[literal_from..]));
    }
}

/// `host` (lower case) stands at `at` in `text`, in any case, and is not followed by a letter
/// or digit.
fn whole_word(text: &str, at: usize, host: &str) -> bool {
    text.as_bytes()[at..]
        .get(..host.len())
        .is_some_and(|candidate| candidate.eq_ignore_ascii_case(host.as_bytes()))
        && !text[at + host.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_hosts(text: &str) -> Vec<Piece<'_>> {
        let mut pieces = Vec::new();
        for_each_piece(text, |piece| pieces.push(piece));
        pieces
    }

    #[test]
    fn storage_zone_names_use_the_storage_suffix() {
        assert_eq!(
            split_hosts("privatelink.blob.core.windows.net"),
            [
                Piece::Text("privatelink.blob."),
                Piece::Host("environment().suffixes.storage")
            ]
        );
    }

    #[test]
    fn dotted_suffixes_take_their_dot() {
        assert_eq!(
            split_hosts("privatelink.database.windows.net"),
            [
                Piece::Text("privatelink"),
                Piece::Host("environment().suffixes.sqlServerHostname")
            ]
        );
        assert_eq!(
            split_hosts("database.windows.net"),
            [Piece::Host(
                "substring(environment().suffixes.sqlServerHostname, 1)"
            )]
        );
    }

    #[test]
    fn hosts_inside_longer_words_and_excluded_hosts_stay() {
        for text in [
            "privatelink.vaultcore.azure.net",
            "xcore.windows.net",
            "core.windows.netx",
            "https://schema.management.azure.com/schemas",
            "",
        ] {
            assert_eq!(split_hosts(text), [Piece::Text(text)]);
        }
    }

    #[test]
    fn longest_host_wins_and_case_is_ignored() {
        assert_eq!(
            split_hosts("https://Batch.Core.Windows.Net/x"),
            [
                Piece::Text("https://"),
                Piece::Host("split(environment().batch, '/')[2]"),
                Piece::Text("/x"),
            ]
        );
    }

    #[test]
    fn every_piece_of_text_is_kept() {
        let text = "a.core.windows.net/é/login.microsoftonline.com";
        let rebuilt: String = split_hosts(text)
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => *text,
                Piece::Host(_) => "#",
            })
            .collect();
        assert_eq!(rebuilt, "a.#/é/#");
    }
}
