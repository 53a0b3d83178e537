//! The container app kind: its environment and its image, a reference or a registry
//! component's repository.

use super::{Ingress, Registration, is_default};
use crate::blueprint::{Connection, Overrides};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which Container Apps environment a container app runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerEnvironment {
    /// The app's one internal, VNet-integrated environment (default).
    #[default]
    Shared,
    /// An environment of its own, with its own subnet.
    Dedicated,
}

/// `kind = "container-app"`: a container app in an internal, VNet-integrated Container Apps
/// environment, pulling its image with its identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerApp {
    /// Where the image comes from: a full reference that names its registry host
    /// (`mcr.microsoft.com/k8se/quickstart:latest`), or an image in a container-registry
    /// component of the blueprint, `{ registry = "images", repository = "api", tag = "1.4.2" }`,
    /// pulled with the app's identity (which gets `pull` on that registry). The tag may differ
    /// per environment: `image_tag = "…"` in `[components.<name>.environments.<env>]`.
    pub image: Image,
    /// `private` (default): reachable inside the VNet; `none`: no ingress (workers).
    #[serde(default)]
    pub ingress: Ingress,
    /// Port the container listens on. Required with ingress, unless the image is a sample
    /// whose port bulwark knows (`mcr.microsoft.com/k8se/quickstart` listens on 80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
    /// vCPUs per replica, e.g. `"0.5"`.
    #[serde(default = "ContainerApp::default_cpu")]
    pub cpu: String,
    /// Memory per replica, e.g. `"1Gi"` (twice the vCPUs, in Gi).
    #[serde(default = "ContainerApp::default_memory")]
    pub memory: String,
    /// Replicas kept running when idle; `0` (default) scales to zero.
    #[serde(default)]
    pub min_replicas: u32,
    /// The most replicas the scale rules may run.
    #[serde(default = "ContainerApp::default_max_replicas")]
    pub max_replicas: u32,
    /// `shared` (default) or `dedicated`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub environment: ContainerEnvironment,
    /// Plain, non-secret environment variables. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = crate::blueprint::schema::setting_names)]
    pub settings: BTreeMap<String, String>,
    /// Entra app roles callers can be granted, e.g. `["orders-read", "orders-write"]`: a
    /// connection `{ to = "<name>.orders-read", access = "call" }` assigns one to the caller's
    /// identity. Every app that receives calls also has the role `call`, which a connection to
    /// the app as a whole assigns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<String>,
    /// An app registration a platform team created, per environment, for a CI identity
    /// without Microsoft Graph rights: `[components.<name>.registration.<env>]` with
    /// `client_id` and `identifier_uri`. Without it, the deployment creates the registration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registration: BTreeMap<String, Registration>,
    /// Connections to other components, each with the access it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Connection>,
    /// Sizing per environment, e.g. `prod = { cpu = "1.0", memory = "2Gi", max_replicas = 10 }`,
    /// and `image_tag` for a registry image.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl ContainerApp {
    /// The per-environment field that overrides the tag of a registry image.
    pub const IMAGE_TAG: &'static str = "image_tag";

    /// Sample images and the port they listen on: the Container Apps quickstart image
    /// serves on 80 (learn.microsoft.com/azure/container-apps/get-started: `az containerapp up
    /// --image mcr.microsoft.com/k8se/quickstart:latest --target-port 80`).
    pub const KNOWN_IMAGE_PORTS: &'static [(&'static str, u32)] =
        &[("mcr.microsoft.com/k8se/quickstart", 80)];

    /// The port ingress sends traffic to: the blueprint's `target_port`, or the known port of
    /// a sample image. `None` when neither says (a diagnostic when the app has ingress).
    pub fn effective_target_port(&self) -> Option<u32> {
        self.target_port.or_else(|| match &self.image {
            Image::Reference(reference) => {
                let repository = reference
                    .split_once('@')
                    .map_or(reference.as_str(), |(name, _)| name);
                let repository = match repository.rsplit_once(':') {
                    Some((name, tag)) if !tag.contains('/') => name,
                    _ => repository,
                };
                Self::KNOWN_IMAGE_PORTS
                    .iter()
                    .find(|(image, _)| *image == repository)
                    .map(|(_, port)| *port)
            }
            Image::Registry(_) => None,
        })
    }

    pub(crate) fn default_cpu() -> String {
        "0.5".to_string()
    }

    pub(crate) fn default_memory() -> String {
        "1Gi".to_string()
    }

    pub(crate) fn default_max_replicas() -> u32 {
        3
    }
}

/// A container app's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Image {
    /// A full image reference whose first part is the registry host, e.g.
    /// `mcr.microsoft.com/k8se/quickstart:latest` or `ghcr.io/org/app@sha256:…`.
    Reference(String),
    /// An image in a container-registry component of this blueprint.
    Registry(RegistryImage),
}

/// An image in a container-registry component: bulwark writes the registry's login server
/// in front of it and grants the app `pull` on exactly that registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryImage {
    /// The container-registry component the image is in.
    pub registry: String,
    /// The repository inside it, e.g. `payroll/runs` (lowercase, `/`-separated).
    pub repository: String,
    /// The tag in every environment without its own `image_tag`, e.g. `1.8.2`.
    pub tag: String,
}

impl Image {
    /// The image in a container-registry component, when it is one.
    pub fn registry(&self) -> Option<&RegistryImage> {
        match self {
            Image::Registry(image) => Some(image),
            Image::Reference(_) => None,
        }
    }
}

impl From<&str> for Image {
    fn from(reference: &str) -> Self {
        Image::Reference(reference.to_string())
    }
}

impl From<String> for Image {
    fn from(reference: String) -> Self {
        Image::Reference(reference)
    }
}

impl From<RegistryImage> for Image {
    fn from(image: RegistryImage) -> Self {
        Image::Registry(image)
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Image;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "`registry-host/repository:tag` or a table { registry, repository, tag }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Image, E> {
                Ok(Image::Reference(text.to_string()))
            }

            // Delegating to the struct keeps its unknown-field and missing-field errors, with
            // the TOML spans of the table's own keys.
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Image, M::Error> {
                RegistryImage::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Image::Registry)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
