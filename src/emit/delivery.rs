//! How code reaches each compute component while public network access stays off: the path
//! the generated CI workflow takes, the report describes and the Bicep makes possible (a
//! `sites` private endpoint on every App Service app, the deploying identity's write on
//! Elastic Premium packages).

use crate::blueprint::{ComponentSpec, Image};
use crate::plan::{ComponentPlan, PerEnvironment, Plan};
use std::collections::BTreeMap;

/// Where the workflow expects each app's code: `apps/<component>/`, ready to run (built, with
/// its dependencies) for App Service apps, a Docker build context for images.
pub const CODE_ROOT: &str = "apps";

/// One compute component's way in for code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub component: String,
    pub path: DeliveryPath,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryPath {
    /// A web app: zip deploy (`az webapp deploy`) to its deployment (SCM) site, reached through
    /// the site's private endpoint from a runner in the VNet.
    SiteZip,
    /// A Flex Consumption function app: zip deploy to the SCM site's one-deploy endpoint,
    /// which writes the package to the app's deployment storage with the app's identity.
    FlexZip,
    /// An Elastic Premium function app: the package blob it runs from, written through the
    /// host storage's private endpoint, then a restart and a trigger sync.
    PackageBlob,
    /// A container app whose image is in a registry component: the workflow builds the image
    /// and pushes it through the registry's private endpoint before the deployment that
    /// references its tag.
    RegistryImage {
        registry: String,
        repository: String,
        /// Environment → tag.
        tags: BTreeMap<String, String>,
    },
    /// A container app whose image is a full reference outside the blueprint: the blueprint
    /// line is the delivery; the deployment pulls it.
    ExternalImage(String),
}

impl Delivery {
    /// Where the workflow reads this component's code.
    pub fn source(&self) -> String {
        format!("{CODE_ROOT}/{}", self.component)
    }

    /// One sentence for the security report and the README: how code gets in.
    pub fn describe(&self) -> String {
        let source = self.source();
        match &self.path {
            DeliveryPath::SiteZip => format!(
                "Zip deploy of `{source}/` by the workflow's `deliver-code` job (`az webapp deploy`), from a runner in the VNet, to the deployment (SCM) site through the app's `sites` private endpoint; the deploying identity signs in with Entra ID (basic-auth publishing is off)"
            ),
            DeliveryPath::FlexZip => format!(
                "Zip deploy of `{source}/` by the workflow's `deliver-code` job (`az functionapp deployment source config-zip`), from a runner in the VNet, to the deployment (SCM) site through the app's `sites` private endpoint; the platform stores the package in the host storage's `app-package` container with the app's identity"
            ),
            DeliveryPath::PackageBlob => format!(
                "The workflow's `deliver-code` job zips `{source}/` and writes it to `app-package/app.zip` in the host storage, through its blob private endpoint from a runner in the VNet, then restarts the app and syncs its triggers; the app reads the package with its identity (`WEBSITE_RUN_FROM_PACKAGE`), and the deploying identity holds Storage Blob Data Contributor on that container only"
            ),
            DeliveryPath::RegistryImage {
                registry,
                repository,
                ..
            } => format!(
                "The workflow's `images` job builds `{source}/` and pushes `{repository}:<tag>` to `{registry}` through its private endpoint from a runner in the VNet, before the deployment that references the tag; a tag already in the registry is never overwritten. The deploying identity pushes with its Contributor role (the registry keeps legacy permissions, where Contributor pushes); the app pulls with its identity"
            ),
            DeliveryPath::ExternalImage(reference) => format!(
                "The image `{reference}`, pulled at deployment: change the blueprint to ship another"
            ),
        }
    }
}

/// Every compute component's delivery, in component order.
pub fn deliveries(plan: &Plan) -> Vec<Delivery> {
    plan.components
        .iter()
        .filter_map(|component| {
            delivery_path(plan, component).map(|path| Delivery {
                component: component.name.clone(),
                path,
            })
        })
        .collect()
}

fn delivery_path(plan: &Plan, component: &ComponentPlan) -> Option<DeliveryPath> {
    match &component.spec {
        ComponentSpec::WebApp(_) => Some(DeliveryPath::SiteZip),
        ComponentSpec::FunctionApp(function) if function.is_flex_consumption() => {
            Some(DeliveryPath::FlexZip)
        }
        ComponentSpec::FunctionApp(_) => Some(DeliveryPath::PackageBlob),
        ComponentSpec::ContainerApp(app) => Some(match (&component.registry_image, &app.image) {
            (Some(image), _) => DeliveryPath::RegistryImage {
                registry: image.registry.clone(),
                repository: image.repository.clone(),
                tags: plan
                    .environments
                    .iter()
                    .map(|environment| {
                        let tag = match &image.tag {
                            PerEnvironment::Same(tag) => tag.clone(),
                            PerEnvironment::Each(tags) => {
                                tags.get(environment).cloned().unwrap_or_default()
                            }
                        };
                        (environment.clone(), tag)
                    })
                    .collect(),
            },
            (None, Image::Reference(reference)) => DeliveryPath::ExternalImage(reference.clone()),
            (None, Image::Registry(image)) => DeliveryPath::ExternalImage(format!(
                "{}/{}:{}",
                image.registry, image.repository, image.tag
            )),
        }),
        _ => None,
    }
}

/// The built-in roles code delivery has the deploying identity grant itself: write on
/// Elastic Premium packages (a data role Contributor lacks). Zip deploys and image pushes
/// need nothing beyond the deploying identity's Contributor.
pub fn delivery_roles(plan: &Plan) -> Vec<&'static str> {
    if deliveries(plan)
        .iter()
        .any(|delivery| delivery.path == DeliveryPath::PackageBlob)
    {
        vec!["Storage Blob Data Contributor"]
    } else {
        Vec::new()
    }
}
