"""The texts of the editable pages before the service changes them (the texts the site shipped with).
They name no date or month: dates come from the edition's calendar, shown next to them.
`{collectivite}` and `{collectivite_of}` are replaced by the configured names of the collectivité
(« Département de la Gironde », « de la Gironde »), `{le_collectivite}` / `{Le_collectivite}` by its name
with its article, `{body_le}`, `{body_du}` by its body's (« le Département », « du Département »),
`{service}`, `{service_le}` by its service's (« direction de l'ESS », « la direction de l'ESS »),
`{adjective}` by its budget's adjective (« départemental »), `{territoires}` by the names of its
territories."""

from __future__ import annotations

HOME_INTRO = """\
Chaque année, {le_collectivite} consacre une partie de son budget de l'économie sociale et solidaire \
(ESS) aux initiatives proposées par les habitants, les associations, les collectifs et les coopératives. \
Les habitants choisissent par leur vote les initiatives labellisées qui seront financées.
"""

HOW_IT_WORKS = """\
Le Budget citoyen permet aux habitants {collectivite_of} de proposer des initiatives d'économie sociale \
et solidaire, puis de choisir par leur vote celles que {body_le} finance. Les dates de chaque étape \
de l'édition en cours sont dans le calendrier de cette page.

## 1. Les idées et les comptoirs à initiatives citoyennes

Habitants, associations, collectifs informels, coopératives (SCIC, SCOP) : créez un compte et déposez une \
courte idée. Inscrivez-vous à l'un des comptoirs à initiatives citoyennes, un atelier organisé dans \
chaque territoire ({territoires}) pour vous aider à construire votre projet. L'inscription à un comptoir \
est nécessaire pour déposer un dossier.

## 2. Le dépôt du dossier

L'idée devient un dossier complet, déposé en ligne : l'initiative, son territoire, le montant demandé, \
un budget prévisionnel équilibré et ses pratiques d'économie sociale et solidaire.

## 3. La labellisation

Un comité de labellisation (ambassadeurs de l'ESS, partenaires financiers, personnes qualifiées, mission \
ESS) étudie chaque dossier à l'aide d'un questionnaire sur les marqueurs de l'ESS, représenté sous forme \
de radar. Il labellise l'initiative dans une catégorie : pratique de l'ESS, innovation sociétale, \
coopération, ou transformation économique, environnementale et sociétale. Un membre lié à un dossier ne \
participe ni au débat ni au vote sur ce dossier.

## 4. Le vote des habitants

Pendant la période de vote, les habitants {collectivite_of} votent en ligne pour leurs initiatives \
préférées. Chaque personne vote une seule fois et peut modifier son vote jusqu'à la clôture. Le vote \
est secret.

## 5. Les résultats et le suivi

L'enveloppe est répartie entre les initiatives lauréates selon les votes, puis les résultats sont \
publiés sur ce site. Chaque lauréate signe une convention avec {body_le} (subvention, durée, bilan \
final) et {service_le} l'accompagne.
"""

FAQ = """\
## Qui peut voter ?

Les habitants {collectivite_of} ayant l'âge minimal fixé pour l'édition (indiqué sur la page d'accueil). \
Il suffit de créer un compte, de confirmer son adresse électronique et d'indiquer son identité et sa \
commune.

## Combien d'initiatives puis-je choisir ?

Le nombre de choix est indiqué sur la page d'accueil et sur le bulletin. Vous pouvez modifier votre vote \
jusqu'à la clôture : seul le dernier bulletin compte.

## Mon vote est-il secret ?

Oui. La participation (qui a voté) est conservée à part du contenu des bulletins : aucune page ni aucun \
export ne permet de savoir qui a voté pour quelle initiative. Le reçu de vote prouve que votre bulletin \
est compté, pas pour qui vous avez voté.

## Qui peut proposer une initiative ?

Les habitants, les associations, les collectifs informels et les coopératives {collectivite_of}. \
L'inscription à un comptoir à initiatives citoyennes est nécessaire pour déposer un dossier.

## Comment les lauréates sont-elles choisies ?

Par le vote des habitants : l'enveloppe est répartie selon la règle annoncée pour l'édition, et les \
résultats publiés permettent à chacun de refaire le calcul.
"""

LEGAL = """\
## Éditeur

{Le_collectivite}, {service}. Directeur de la publication : le Président \
du Conseil {adjective}.

## Hébergement

Les coordonnées de l'hébergeur sont indiquées par la collectivité qui exploite cette instance de la \
plateforme.

## Logiciel

Cette plateforme est un logiciel libre, Budget citoyen, publié sous licence AGPL-3.0 ou ultérieure : \
chacun peut l'étudier, le réutiliser et l'améliorer.

## Données de référence

La liste des communes provient du Code officiel géographique de l'INSEE, diffusé par Etalab sous \
Licence Ouverte.
"""

PRIVACY = """\
{Le_collectivite} est responsable du traitement des données collectées sur cette plateforme, dans le \
cadre de sa mission de service public de soutien à l'économie sociale et solidaire (article 6-1-e du \
RGPD).

## Données collectées et finalités

- **Compte** : adresse e-mail et mot de passe (conservé sous forme chiffrée irréversible), pour vous \
identifier.
- **Sécurité** : les tentatives de connexion échouées (adresse IP et empreinte de l'identifiant saisi) \
sont conservées 24 heures au plus, pour bloquer les attaques.
- **Vote** : la participation (qui a voté) est conservée séparément du contenu des bulletins (pour \
quoi) ; aucune page ni aucun export ne permet de savoir qui a voté pour quelle initiative.

## Vos droits

Depuis la page « Mon compte », vous pouvez à tout moment télécharger l'ensemble de vos données (droit \
d'accès et de portabilité), corriger votre adresse e-mail et supprimer votre compte (droit à \
l'effacement) : vos données personnelles sont alors effacées, vos contributions restant comptées de \
façon anonyme.

Pour toute autre demande, ou pour saisir la Commission nationale de l'informatique et des libertés \
(CNIL), adressez-vous au délégué à la protection des données {body_du}.

## Cookies

La plateforme n'utilise qu'un cookie de session, strictement nécessaire à la connexion et à la sécurité \
des formulaires, et, si vous le demandez, un cookie « rester connecté ». Aucun cookie de mesure \
d'audience ou de publicité, aucun service tiers.
"""

ACCESSIBILITY = """\
{Le_collectivite} s'engage à rendre ce service accessible conformément à l'article 47 de la loi \
n° 2005-102 du 11 février 2005.

## État de conformité

Ce site est **partiellement conforme** avec le référentiel général d'amélioration de l'accessibilité \
(RGAA), version 4.1 : un audit complet n'a pas encore été réalisé. Chaque page est vérifiée \
automatiquement avec l'outil axe-core dans un navigateur réel lors de chaque évolution du logiciel.

## Ce qui est fait

- Liens d'évitement, structure de titres, zones de navigation nommées.
- Une étiquette pour chaque champ de formulaire, erreurs annoncées et reliées aux champs.
- Contrastes suffisants, focus visible, utilisation complète au clavier, sans JavaScript.
- Les graphiques sont accompagnés d'un tableau de données.

## Signaler un défaut

Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez {service_le} {body_du} \
pour être orienté vers une alternative accessible. Vous pouvez aussi saisir le Défenseur des droits.
"""
